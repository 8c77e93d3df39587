// Package gunzip decompresses gzip streams (RFC 1952 members of RFC 1951
// deflate data). It exists for speed: image layers are single gzip streams
// that cannot be inflated in parallel, so the inflate loop is the floor of
// `shipshape inspect` on compressed images. The loop here reads the input 64
// bits at a time, decodes a symbol with one table lookup, writes straight into
// a buffer that also holds the 32 KiB history, and copies matches a word at a
// time. It is tested against compress/flate and compress/gzip on every input
// the fuzzer finds: same bytes out, and an error exactly when they give one.
package gunzip

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
)

var (
	// ErrHeader is wrapped by the error for a stream that is not gzip.
	ErrHeader = errors.New("gunzip: invalid gzip header")
	// ErrChecksum is wrapped by the error for a member whose CRC-32 or size
	// in its trailer disagrees with the data.
	ErrChecksum = errors.New("gunzip: checksum mismatch")
	// ErrCorrupt is wrapped by the error for invalid deflate data.
	ErrCorrupt = errors.New("gunzip: corrupt deflate data")
)

const (
	window   = 32 << 10        // deflate's history
	outArea  = 256 << 10       // output produced between two slides of the history
	slack    = 16              // word-wise match copies may write this far past a match
	maxTail  = 2 + 258 + slack // two literals before a match
	inSize   = 64 << 10
	lookBack = 8 // input bytes kept before the read position, to give back unused bit-buffer bytes
)

type state int

const (
	stHeader  state = iota // a member's header; io.EOF is fine here after the first member
	stBlock                // a block header
	stHuffman              // inside a compressed block
	stStored               // inside a stored block
	stTrailer              // the member's CRC-32 and size
	stDone
)

// Reader decompresses a gzip stream of one or more members, as gzip(1) and
// compress/gzip do, and checks each member's CRC-32 and size.
type Reader struct {
	src      io.Reader
	in       []byte
	ip, iend int   // next unread input byte; end of the bytes read
	consumed int64 // input bytes shifted out of in, for error offsets
	srcErr   error // what src returned last (io.EOF at the end)

	bits uint64 // input bits not yet used, least significant first
	nb   uint   // how many of them are valid

	out    []byte // where output goes: own, or the caller's buffer in ReadChunk
	own    []byte // allocated by the first Read
	op, rp int    // end of the output written; start of the output not yet read

	st      state
	members int
	final   bool
	stored  int // bytes left in a stored block
	lit     *[litTableSize]uint32
	dist    *[distTableSize]uint32
	dynLit  *[litTableSize]uint32
	dynDist *[distTableSize]uint32
	lengths [320]uint8

	crc  uint32
	size uint32
	err  error
}

// NewReader reads the first member's header and returns a Reader that
// decompresses src.
func NewReader(src io.Reader) (*Reader, error) {
	z := &Reader{
		in:      make([]byte, inSize),
		dynLit:  new([litTableSize]uint32),
		dynDist: new([distTableSize]uint32),
	}
	if err := z.Reset(src); err != nil {
		return nil, err
	}
	return z, nil
}

// Reset discards the Reader's state and starts on src, keeping its buffers.
func (z *Reader) Reset(src io.Reader) error {
	*z = Reader{in: z.in, out: z.own, own: z.own, dynLit: z.dynLit, dynDist: z.dynDist, src: src}
	z.err = z.header()
	if z.err == io.EOF {
		z.err = io.ErrUnexpectedEOF
	}
	return z.err
}

// Read decompresses into p.
func (z *Reader) Read(p []byte) (int, error) {
	if z.out == nil {
		if z.own == nil {
			z.own = make([]byte, window+outArea+maxTail)
		}
		z.out = z.own
	}
	for {
		if z.rp < z.op {
			n := copy(p, z.out[z.rp:z.op])
			z.crc = crc32.Update(z.crc, crc32.IEEETable, p[:n])
			z.size += uint32(n)
			z.rp += n
			return n, nil
		}
		if z.err != nil || len(p) == 0 {
			return 0, z.err
		}
		z.err = z.step()
	}
}

// MinChunk is the smallest buffer ReadChunk takes.
const MinChunk = window + maxTail + 4<<10

// ReadChunk decompresses into buf and returns the bytes written there,
// without the copy Read makes. The first 32 KiB or so of buf receive the
// history, the rest the output. The Reader reads, but never writes, the bytes
// it returned until the next call, when it copies its history out of them: a
// caller can hand them to another goroutine at once, and pass a buffer back
// to ReadChunk once that goroutine is done with it. It returns a nil slice
// only with an error (io.EOF at the end). Do not mix it with Read.
func (z *Reader) ReadChunk(buf []byte) ([]byte, error) {
	if len(buf) < MinChunk {
		return nil, fmt.Errorf("gunzip: ReadChunk needs a buffer of at least %d bytes, got %d", MinChunk, len(buf))
	}
	h := min(z.op, window)
	copy(buf[:h], z.out[z.op-h:z.op]) // a memmove: buf may be the buffer in use
	z.out, z.op, z.rp = buf, h, h
	start := h
	for z.err == nil && z.op < len(buf)-maxTail {
		if z.op > start && (z.st == stTrailer || z.st == stHeader) {
			break // the member's CRC-32 must cover this output first
		}
		z.err = z.step()
		start = min(start, z.op) // a new member starts with no history
	}
	out := buf[start:z.op]
	z.crc = crc32.Update(z.crc, crc32.IEEETable, out)
	z.size += uint32(len(out))
	z.rp = z.op
	if len(out) == 0 {
		return nil, z.err
	}
	return out, nil
}

// step makes more output, or moves to the next state. All output so far has
// been read, so the CRC-32 covers it and the history can slide.
func (z *Reader) step() error {
	if z.op >= len(z.out)-maxTail {
		copy(z.out, z.out[z.op-window:z.op])
		z.op, z.rp = window, window
	}
	switch z.st {
	case stHeader:
		z.op, z.rp, z.crc, z.size = 0, 0, 0, 0
		return z.header()
	case stBlock:
		return z.blockHeader()
	case stHuffman:
		return z.huffman()
	case stStored:
		return z.copyStored()
	case stTrailer:
		return z.trailer()
	}
	return io.EOF
}

// corrupt names what is wrong and where in the compressed stream.
func (z *Reader) corrupt(what string) error {
	off := z.consumed + int64(z.ip) - int64(z.nb/8)
	return fmt.Errorf("%w at compressed byte %d: %s", ErrCorrupt, off, what)
}

// more reads input, keeping a few consumed bytes for giveBack. It reports
// false when src has nothing more; z.srcErr says why.
func (z *Reader) more() bool {
	if z.srcErr != nil {
		return false
	}
	if z.iend == len(z.in) {
		keep := min(z.ip, lookBack)
		drop := z.ip - keep
		copy(z.in, z.in[drop:z.iend])
		z.consumed += int64(drop)
		z.ip -= drop
		z.iend -= drop
	}
	for range 100 {
		n, err := z.src.Read(z.in[z.iend:])
		z.iend += n
		if err != nil {
			z.srcErr = err
		}
		if n > 0 {
			return true
		}
		if err != nil {
			return false
		}
	}
	z.srcErr = io.ErrNoProgress
	return false
}

// eof is the error for input that ends too soon.
func (z *Reader) eof() error {
	if z.srcErr != nil && z.srcErr != io.EOF {
		return z.srcErr
	}
	return io.ErrUnexpectedEOF
}

// fillBits tops the bit buffer up byte by byte, as far as the input goes.
func (z *Reader) fillBits() {
	for z.nb <= 56 {
		if z.ip >= z.iend && !z.more() {
			return
		}
		z.bits |= uint64(z.in[z.ip]) << z.nb
		z.ip++
		z.nb += 8
	}
}

// getBits takes n (at most 32) bits from the stream.
func (z *Reader) getBits(n uint) (uint32, error) {
	if z.nb < n {
		z.fillBits()
		if z.nb < n {
			return 0, z.eof()
		}
	}
	v := uint32(z.bits & (1<<n - 1))
	z.bits >>= n
	z.nb -= n
	return v, nil
}

// toByte drops the bits up to the next byte boundary and gives the whole
// bytes left in the bit buffer back to the input.
func (z *Reader) toByte() {
	z.ip -= int(z.nb / 8)
	z.bits, z.nb = 0, 0
}

func (z *Reader) readByte() (byte, error) {
	if z.ip >= z.iend && !z.more() {
		return 0, z.eof()
	}
	b := z.in[z.ip]
	z.ip++
	return b, nil
}

const (
	flagText    = 1 << 0
	flagHdrCrc  = 1 << 1
	flagExtra   = 1 << 2
	flagName    = 1 << 3
	flagComment = 1 << 4
)

// header reads a member header (RFC 1952, 2.3). Before a second or later
// member, an input that simply ends is the end of the stream.
func (z *Reader) header() error {
	var hdr [10]byte
	for i := range hdr {
		b, err := z.readByte()
		if err != nil {
			if i == 0 && z.members > 0 && err == io.ErrUnexpectedEOF {
				z.st = stDone
				return io.EOF
			}
			return err
		}
		hdr[i] = b
	}
	if hdr[0] != 0x1f || hdr[1] != 0x8b || hdr[2] != 8 {
		return fmt.Errorf("%w: member %d starts with %x, not 1f8b08", ErrHeader, z.members+1, hdr[:3])
	}
	flags := hdr[3]
	if flags&0xe0 != 0 {
		return fmt.Errorf("%w: member %d sets reserved flags %#x", ErrHeader, z.members+1, flags)
	}
	sum := crc32.Update(0, crc32.IEEETable, hdr[:])
	take := func() (byte, error) {
		b, err := z.readByte()
		if err == nil {
			sum = crc32.Update(sum, crc32.IEEETable, []byte{b})
		}
		return b, err
	}
	if flags&flagExtra != 0 {
		lo, err := take()
		if err != nil {
			return err
		}
		hi, err := take()
		if err != nil {
			return err
		}
		for range int(lo) | int(hi)<<8 {
			if _, err := take(); err != nil {
				return err
			}
		}
	}
	for _, f := range []byte{flagName, flagComment} {
		if flags&f == 0 {
			continue
		}
		for {
			b, err := take()
			if err != nil {
				return err
			}
			if b == 0 {
				break
			}
		}
	}
	if flags&flagHdrCrc != 0 {
		lo, err := z.readByte()
		if err != nil {
			return err
		}
		hi, err := z.readByte()
		if err != nil {
			return err
		}
		if uint16(lo)|uint16(hi)<<8 != uint16(sum) {
			return fmt.Errorf("%w: member %d header CRC-16 does not match", ErrHeader, z.members+1)
		}
	}
	z.members++
	z.st = stBlock
	return nil
}

// trailer checks a member's CRC-32 and size (RFC 1952, 2.3.1).
func (z *Reader) trailer() error {
	z.toByte()
	var t [8]byte
	for i := range t {
		b, err := z.readByte()
		if err != nil {
			return err
		}
		t[i] = b
	}
	if crc := binary.LittleEndian.Uint32(t[:4]); crc != z.crc {
		return fmt.Errorf("%w: member %d data has CRC-32 %08x, its trailer says %08x", ErrChecksum, z.members, z.crc, crc)
	}
	if size := binary.LittleEndian.Uint32(t[4:]); size != z.size {
		return fmt.Errorf("%w: member %d holds %d bytes (mod 2^32), its trailer says %d", ErrChecksum, z.members, z.size, size)
	}
	z.st = stHeader
	return nil
}
