package squash

import (
	"archive/tar"
	"context"
	"fmt"
	"io"

	"github.com/shipshape-dev/shipshape/image"
	"github.com/shipshape-dev/shipshape/layers"
)

// readBack reads the written new layer: its entries as package layers makes
// them, and the content sum of every regular file by entry index.
// Decompression and digest checks run on one goroutine, the tar and the
// content hashes on this one, so verification takes two cores.
func readBack(ctx context.Context, l *image.Layer, index, maxEntries int) (*layers.Layer, map[int]contentSum, error) {
	rc, err := l.Open(ctx)
	if err != nil {
		return nil, nil, err
	}
	defer rc.Close()
	p := newChunkPipe(ctx, rc)
	defer p.stop()
	out := &layers.Layer{Index: index, Digest: l.Digest, DiffID: l.DiffID, MediaType: l.MediaType, CompressedSize: l.Size}
	hashes := map[int]contentSum{}
	tr := tar.NewReader(p)
	h := newContentHash()
	buf := make([]byte, 256<<10)
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, nil, fmt.Errorf("layer %d (%s): reading the tar: %w", index, l.Digest, err)
		}
		e, ok, err := layers.FromHeader(hdr)
		if err != nil {
			return nil, nil, fmt.Errorf("layer %d (%s): %w", index, l.Digest, err)
		}
		if !ok {
			continue
		}
		if len(out.Entries) >= maxEntries {
			return nil, nil, fmt.Errorf("layer %d (%s): more than %d entries", index, l.Digest, maxEntries)
		}
		out.Entries = append(out.Entries, e)
		if e.Kind == layers.Regular && !e.IsMarker() {
			h.Reset()
			if _, err := io.CopyBuffer(h, tr, buf); err != nil {
				return nil, nil, fmt.Errorf("layer %d (%s): %s: %w", index, l.Digest, e.Display(), err)
			}
			hashes[len(out.Entries)-1] = h.Sum64()
		}
	}
	// The rest of the stream (tar padding) and its digest checks.
	if _, err := io.Copy(io.Discard, p); err != nil {
		return nil, nil, err
	}
	out.TarSize = p.n
	return out, hashes, nil
}

// chunkPipe reads r on its own goroutine into a few fixed buffers, so the
// reader's work (decompressing, hashing) overlaps with the consumer's.
type chunkPipe struct {
	full   chan []byte
	free   chan []byte
	done   chan struct{}
	exited chan struct{}
	cur    []byte
	curBuf []byte
	err    error
	errc   chan error
	n      int64
}

const (
	pipeChunk  = 1 << 20
	pipeChunks = 4
)

func newChunkPipe(ctx context.Context, r io.Reader) *chunkPipe {
	p := &chunkPipe{full: make(chan []byte, pipeChunks), free: make(chan []byte, pipeChunks+1), done: make(chan struct{}),
		exited: make(chan struct{}), errc: make(chan error, 1)}
	for i := 0; i < pipeChunks+1; i++ {
		p.free <- make([]byte, pipeChunk)
	}
	go func() {
		defer close(p.exited)
		defer close(p.full)
		for {
			var buf []byte
			select {
			case buf = <-p.free:
			case <-p.done:
				return
			}
			n, err := io.ReadFull(r, buf)
			if n > 0 {
				select {
				case p.full <- buf[:n]:
				case <-p.done:
					return
				}
			}
			if err == io.EOF || err == io.ErrUnexpectedEOF {
				p.errc <- nil
				return
			}
			if err != nil {
				p.errc <- err
				return
			}
			if ctx.Err() != nil {
				p.errc <- ctx.Err()
				return
			}
		}
	}()
	return p
}

func (p *chunkPipe) Read(b []byte) (int, error) {
	for len(p.cur) == 0 {
		if p.curBuf != nil {
			p.free <- p.curBuf[:cap(p.curBuf)]
			p.curBuf = nil
		}
		if p.err != nil {
			return 0, p.err
		}
		buf, ok := <-p.full
		if !ok {
			p.err = <-p.errc
			if p.err == nil {
				p.err = io.EOF
			}
			return 0, p.err
		}
		p.cur, p.curBuf = buf, buf
	}
	n := copy(b, p.cur)
	p.cur = p.cur[n:]
	p.n += int64(n)
	return n, nil
}

// stop ends the reading goroutine (when the consumer gives up early) and
// waits for it, so that the reader can be closed.
func (p *chunkPipe) stop() {
	select {
	case <-p.done:
	default:
		close(p.done)
	}
	<-p.exited
}
