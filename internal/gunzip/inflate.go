package gunzip

import (
	"encoding/binary"
)

// blockHeader reads a deflate block header (RFC 1951, 3.2.3) and, for a
// compressed block, its Huffman codes.
func (z *Reader) blockHeader() error {
	if z.final {
		z.final = false
		z.st = stTrailer
		return nil
	}
	h, err := z.getBits(3)
	if err != nil {
		return err
	}
	z.final = h&1 == 1
	switch h >> 1 {
	case 0:
		z.toByte()
		var b [4]byte
		for i := range b {
			if b[i], err = z.readByte(); err != nil {
				return err
			}
		}
		n, complement := binary.LittleEndian.Uint16(b[:2]), binary.LittleEndian.Uint16(b[2:])
		if n != ^complement {
			return z.corrupt("stored block length does not match its complement")
		}
		z.stored = int(n)
		z.st = stStored
		return nil
	case 1:
		z.lit, z.dist = fixedLit, fixedDist
	case 2:
		if err := z.dynamicCodes(); err != nil {
			return err
		}
		z.lit, z.dist = z.dynLit, z.dynDist
	default:
		return z.corrupt("block type 3 is reserved")
	}
	z.st = stHuffman
	return nil
}

// codeLengthOrder is the order in which a dynamic block lists the lengths of
// the code-length code.
var codeLengthOrder = [19]int{16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15}

// dynamicCodes reads the Huffman codes of a dynamic block (RFC 1951, 3.2.7).
func (z *Reader) dynamicCodes() error {
	h, err := z.getBits(14)
	if err != nil {
		return err
	}
	nlit, ndist, nclen := int(h&31)+257, int(h>>5&31)+1, int(h>>10)+4
	if nlit > 286 {
		return z.corrupt("more than 286 literal/length codes")
	}
	if ndist > 30 {
		return z.corrupt("more than 30 distance codes")
	}
	var clens [19]uint8
	for _, sym := range codeLengthOrder[:nclen] {
		v, err := z.getBits(3)
		if err != nil {
			return err
		}
		clens[sym] = uint8(v)
	}
	var ctab [1 << lenBits]uint32
	if !build(ctab[:], clens[:], lenBits, lenEntry) {
		return z.corrupt("invalid code-length code")
	}
	lengths := z.lengths[:nlit+ndist]
	for i := 0; i < len(lengths); {
		if z.nb < lenBits+7 {
			z.fillBits()
		}
		e := ctab[z.bits&(1<<lenBits-1)]
		n := uint(e & 63)
		if e&entryInvalid != 0 || n > z.nb {
			if n > z.nb || z.nb < lenBits {
				return z.eof()
			}
			return z.corrupt("invalid code-length symbol")
		}
		z.bits >>= n
		z.nb -= n
		sym := int(e >> 16)
		if sym < 16 {
			lengths[i] = uint8(sym)
			i++
			continue
		}
		var rep int
		var val uint8
		switch sym {
		case 16:
			if i == 0 {
				return z.corrupt("code length repeat with no previous length")
			}
			v, err := z.getBits(2)
			if err != nil {
				return err
			}
			rep, val = 3+int(v), lengths[i-1]
		case 17:
			v, err := z.getBits(3)
			if err != nil {
				return err
			}
			rep = 3 + int(v)
		default:
			v, err := z.getBits(7)
			if err != nil {
				return err
			}
			rep = 11 + int(v)
		}
		if i+rep > len(lengths) {
			return z.corrupt("code length repeat runs past the last code")
		}
		for range rep {
			lengths[i] = val
			i++
		}
	}
	if !build(z.dynLit[:], lengths[:nlit], litBits, litEntry) {
		return z.corrupt("invalid literal/length code")
	}
	if !build(z.dynDist[:], lengths[nlit:], distBits, distEntry) {
		return z.corrupt("invalid distance code")
	}
	return nil
}

// copyStored copies a stored block's bytes to the output, as far as there
// is room.
func (z *Reader) copyStored() error {
	for z.stored > 0 {
		room := len(z.out) - maxTail - z.op
		if room <= 0 {
			return nil
		}
		if z.ip >= z.iend && !z.more() {
			return z.eof()
		}
		n := copy(z.out[z.op:z.op+min(room, z.stored)], z.in[z.ip:z.iend])
		z.op += n
		z.ip += n
		z.stored -= n
	}
	z.st = stBlock
	return nil
}

// huffman decodes a compressed block until it ends or the output area is
// full. The fast loop runs while at least 8 input bytes and a whole match of
// output room are left, so it never checks either; near the end of the
// input, symbols are decoded one at a time with every check.
func (z *Reader) huffman() error {
	limit := len(z.out) - maxTail
	for z.op <= limit {
		if z.iend-z.ip >= 16 {
			done, err := z.fast(limit)
			if done || err != nil {
				return err
			}
			continue
		}
		done, err := z.slowSymbol()
		if done || err != nil {
			return err
		}
	}
	return nil
}

// fast decodes symbols while the input holds at least 16 bytes. It reports
// done at the end of the block.
func (z *Reader) fast(limit int) (bool, error) {
	in, out := z.in[:z.iend], z.out
	lit, dist := z.lit, z.dist
	bits, nb, ip, op := z.bits, z.nb, z.ip, z.op
	done := false
	var err error
	for ip <= len(in)-16 && op <= limit {
		// Top up to at least 56 bits: enough for a length, its extra bits,
		// a distance and its extra bits (at most 48).
		bits |= binary.LittleEndian.Uint64(in[ip:]) << (nb & 63)
		ip += int((63 - nb) >> 3)
		nb |= 56

		// Literals are most symbols; up to three of them (at most 11 bits
		// each when found in the primary table) fit in one refill. Unrolled
		// on purpose: a loop measured 3 % slower.
		e := lit[bits&(1<<litBits-1)]
		if e&entryLiteral != 0 {
			bits >>= e & 63
			nb -= uint(e & 63)
			out[op] = byte(e >> 16)
			op++
			e = lit[bits&(1<<litBits-1)]
			if e&entryLiteral != 0 {
				bits >>= e & 63
				nb -= uint(e & 63)
				out[op] = byte(e >> 16)
				op++
				e = lit[bits&(1<<litBits-1)]
				if e&entryLiteral != 0 {
					bits >>= e & 63
					nb -= uint(e & 63)
					out[op] = byte(e >> 16)
					op++
					continue
				}
			}
			// At least 34 bits are left; a match needs up to 48.
			bits |= binary.LittleEndian.Uint64(in[ip:]) << (nb & 63)
			ip += int((63 - nb) >> 3)
			nb |= 56
		}
		if e&entryLink != 0 {
			bits >>= litBits
			nb -= litBits
			e = lit[int(e>>16)+int(bits&(1<<(e>>8&15)-1))]
		}
		saved := bits
		bits >>= e & 63
		nb -= uint(e & 63)
		if e&(entryLiteral|entryStop) != 0 {
			if e&entryLiteral != 0 {
				out[op] = byte(e >> 16)
				op++
				continue
			}
			if e&entryEnd != 0 {
				z.st, done = stBlock, true
			} else {
				err = errInvalidLit
			}
			break
		}
		// One shift took the code and its extra bits; the extra bits come
		// from the saved copy.
		length := int(e>>16) + int(saved>>(e>>8&15)&^(^uint64(0)<<((e&63)-(e>>8&15))))

		d := dist[bits&(1<<distBits-1)]
		if d&entryLink != 0 {
			bits >>= distBits
			nb -= distBits
			d = dist[int(d>>16)+int(bits&(1<<(d>>8&15)-1))]
		}
		saved = bits
		bits >>= d & 63
		nb -= uint(d & 63)
		if d&entryInvalid != 0 {
			err = errInvalidDist
			break
		}
		distance := int(d>>16) + int(saved>>(d>>8&15)&^(^uint64(0)<<((d&63)-(d>>8&15))))
		if distance > op {
			err = errTooFar
			break
		}
		// The common short match, inlined: calling copyMatch for it
		// measured 5 % slower.
		if distance >= 8 && length <= 16 {
			src := op - distance
			binary.LittleEndian.PutUint64(out[op:], binary.LittleEndian.Uint64(out[src:]))
			binary.LittleEndian.PutUint64(out[op+8:], binary.LittleEndian.Uint64(out[src+8:]))
		} else {
			copyMatch(out, op, distance, length)
		}
		op += length
	}
	z.bits, z.nb, z.ip, z.op = bits, nb, ip, op
	if err != nil {
		return false, z.corrupt(err.Error())
	}
	return done, nil
}

type decodeError string

func (e decodeError) Error() string { return string(e) }

const (
	errInvalidLit  = decodeError("invalid literal/length code")
	errInvalidDist = decodeError("invalid distance code")
	errTooFar      = decodeError("match distance reaches before the start of the stream")
)

// copyMatch copies length bytes from distance back. out has slack bytes of
// room past the match, so short and far copies go a word at a time.
func copyMatch(out []byte, op, distance, length int) {
	src := op - distance
	switch {
	case distance >= 8:
		if length <= 16 {
			binary.LittleEndian.PutUint64(out[op:], binary.LittleEndian.Uint64(out[src:]))
			binary.LittleEndian.PutUint64(out[op+8:], binary.LittleEndian.Uint64(out[src+8:]))
			return
		}
		if distance >= length {
			copy(out[op:op+length], out[src:src+length])
			return
		}
		for i := 0; i < length; i += 8 {
			binary.LittleEndian.PutUint64(out[op+i:], binary.LittleEndian.Uint64(out[src+i:]))
		}
	case distance == 1:
		b := out[src]
		m := out[op : op+length]
		for i := range m {
			m[i] = b
		}
	default:
		for i := range length {
			out[op+i] = out[src+i]
		}
	}
}

// slowSymbol decodes one symbol, and its match, with every bound checked.
func (z *Reader) slowSymbol() (bool, error) {
	z.fillBits()
	e, err := z.slowLookup(z.lit[:], litBits)
	if err != nil {
		return false, err
	}
	if e&entryLiteral != 0 {
		z.out[z.op] = byte(e >> 16)
		z.op++
		return false, nil
	}
	if e&entryEnd != 0 {
		z.st = stBlock
		return true, nil
	}
	if e&entryInvalid != 0 {
		return false, z.corrupt(errInvalidLit.Error())
	}
	extra, err := z.getBits(uint(e&63 - e>>8&15))
	if err != nil {
		return false, err
	}
	length := int(e>>16) + int(extra)
	z.fillBits()
	d, err := z.slowLookup(z.dist[:], distBits)
	if err != nil {
		return false, err
	}
	if d&entryInvalid != 0 {
		return false, z.corrupt(errInvalidDist.Error())
	}
	if extra, err = z.getBits(uint(d&63 - d>>8&15)); err != nil {
		return false, err
	}
	distance := int(d>>16) + int(extra)
	if distance > z.op {
		return false, z.corrupt(errTooFar.Error())
	}
	copyMatch(z.out, z.op, distance, length)
	z.op += length
	return false, nil
}

// slowLookup decodes a symbol from the bits at hand, which may be fewer than
// the code needs when the input ends. It consumes the code, not the extra
// bits after it.
func (z *Reader) slowLookup(table []uint32, primary uint) (uint32, error) {
	e := table[z.bits&(1<<primary-1)]
	used := uint(0)
	if e&entryLink != 0 {
		if z.nb < primary {
			return 0, z.eof()
		}
		used = primary
		e = table[int(e>>16)+int(z.bits>>primary&(1<<(e>>8&15)-1))]
	}
	n := used + uint(e>>8&15)
	// An invalid slot met with the input used up and fewer bits at hand
	// than the longest code may only mean the stream was cut short.
	if n > z.nb || (e&entryInvalid != 0 && z.nb < maxCodeLen && z.srcErr != nil) {
		return 0, z.eof()
	}
	z.bits >>= n
	z.nb -= n
	return e, nil
}
