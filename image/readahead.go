package image

import (
	"errors"
	"io"
)

// readAhead runs a reader on a goroutine of its own, a few chunks ahead of
// its consumer. A layer stream has three: reading and hashing the blob, the
// decompressor, and hashing and parsing the tar. A single gzip stream cannot
// be inflated in parallel, but the work around it can be moved off its path.
type readAhead struct {
	full  chan chunk
	empty chan []byte
	stop  chan struct{}
	done  chan struct{} // closed when the goroutine no longer touches src
	cur   chunk
	off   int
	err   error
}

type chunk struct {
	buf []byte // the whole buffer, to hand back
	b   []byte // the bytes read into it
	err error
}

// aheadChunks is how many chunks a readAhead holds: one being read, the
// rest filled ahead.
const aheadChunks = 4

func newReadAhead(src io.Reader, chunkSize int) *readAhead {
	return newChunkReader(func(buf []byte) ([]byte, error) {
		n, err := io.ReadFull(src, buf)
		if errors.Is(err, io.ErrUnexpectedEOF) {
			err = io.EOF
		}
		return buf[:n], err
	}, chunkSize)
}

// newChunkReader is a readAhead over a source that fills buffers itself
// (gunzip's ReadChunk decompresses into them without a copy).
func newChunkReader(read func(buf []byte) ([]byte, error), chunkSize int) *readAhead {
	r := &readAhead{
		full:  make(chan chunk, aheadChunks),
		empty: make(chan []byte, aheadChunks),
		stop:  make(chan struct{}),
		done:  make(chan struct{}),
	}
	for range aheadChunks {
		r.empty <- make([]byte, chunkSize)
	}
	go r.fill(read)
	return r
}

func (r *readAhead) fill(read func([]byte) ([]byte, error)) {
	defer close(r.done)
	for {
		var buf []byte
		select {
		case buf = <-r.empty:
		case <-r.stop:
			return
		}
		b, err := read(buf)
		select {
		case r.full <- chunk{buf, b, err}:
		case <-r.stop:
			return
		}
		if err != nil {
			return
		}
	}
}

func (r *readAhead) Read(p []byte) (int, error) {
	for r.off == len(r.cur.b) {
		if r.err != nil {
			return 0, r.err
		}
		if r.cur.buf != nil {
			r.empty <- r.cur.buf
		}
		r.cur, r.off = <-r.full, 0
		if r.cur.err != nil {
			// the goroutine has stopped reading: wait for it before anyone
			// touches what it read from
			<-r.done
			r.err = r.cur.err
		}
	}
	n := copy(p, r.cur.b[r.off:])
	r.off += n
	return n, nil
}

// close stops the goroutine; call it only once the source will no longer
// block (its underlying file or connection closed), and before the source
// is reused.
func (r *readAhead) close() {
	select {
	case <-r.stop:
	default:
		close(r.stop)
	}
	<-r.done
}
