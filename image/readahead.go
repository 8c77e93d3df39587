package image

import (
	"errors"
	"io"
)

// readAhead runs a decompressor on a goroutine of its own, a few chunks ahead
// of the reader, so that inflating a big layer on one core overlaps with
// hashing and parsing its tar on another: a single gzip stream cannot be
// inflated in parallel, but the work around it can.
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
	b   []byte
	err error
}

const (
	aheadChunk  = 256 << 10
	aheadChunks = 4
)

func newReadAhead(src io.Reader) *readAhead {
	r := &readAhead{
		full:  make(chan chunk, aheadChunks),
		empty: make(chan []byte, aheadChunks),
		stop:  make(chan struct{}),
		done:  make(chan struct{}),
	}
	for range aheadChunks {
		r.empty <- make([]byte, aheadChunk)
	}
	go r.fill(src)
	return r
}

func (r *readAhead) fill(src io.Reader) {
	defer close(r.done)
	for {
		var buf []byte
		select {
		case buf = <-r.empty:
		case <-r.stop:
			return
		}
		n, err := io.ReadFull(src, buf)
		if errors.Is(err, io.ErrUnexpectedEOF) {
			err = io.EOF
		}
		select {
		case r.full <- chunk{buf[:n], err}:
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
		if r.cur.b != nil {
			r.empty <- r.cur.b[:cap(r.cur.b)]
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
