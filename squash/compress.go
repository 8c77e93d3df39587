package squash

import (
	"bufio"
	"crypto/sha256"
	"fmt"
	"hash"
	"io"
	"runtime"

	"github.com/google/go-containerregistry/pkg/v1/types"
	"github.com/klauspost/compress/zstd"
	"github.com/klauspost/pgzip"
)

// Compression names how the new layer is stored.
const (
	Gzip         = "gzip"
	Zstd         = "zstd"
	Uncompressed = "none"
)

// defaultLevel is each compression's level when Options.Level is 0: gzip's
// and zstd's own defaults.
var defaultLevel = map[string]int{Gzip: 6, Zstd: 3}

// levelRange is what --level accepts per compression.
var levelRange = map[string][2]int{Gzip: {1, 9}, Zstd: {1, 22}}

// gzipBlock is how much input each parallel gzip block takes. Blocks carry
// the previous block's tail as their dictionary, so the ratio stays close
// to a single-threaded gzip's, and the output does not depend on timing.
const gzipBlock = 1 << 20

// zstdChunk is how much input each zstd frame holds: frames are
// compressed in parallel and concatenated, which every zstd decoder reads
// as one stream.
const zstdChunk = 8 << 20

// layerWriter compresses the new layer's tar into w and hashes both sides:
// the diffID of the tar, the digest of the blob.
type layerWriter struct {
	comp     io.WriteCloser
	diff     hash.Hash
	tarBytes int64
	blob     *countHash
	bw       *bufio.Writer
}

type countHash struct {
	w io.Writer
	h hash.Hash
	n int64
}

func (c *countHash) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.h.Write(p[:n])
	c.n += int64(n)
	return n, err
}

func newLayerWriter(w io.Writer, compression string, level int) (*layerWriter, error) {
	lw := &layerWriter{diff: sha256.New(), bw: bufio.NewWriterSize(w, 1<<20)}
	lw.blob = &countHash{w: lw.bw, h: sha256.New()}
	workers := runtime.GOMAXPROCS(0)
	switch compression {
	case Gzip:
		z, err := pgzip.NewWriterLevel(lw.blob, level)
		if err != nil {
			return nil, err
		}
		if err := z.SetConcurrency(gzipBlock, 2*workers); err != nil {
			return nil, err
		}
		lw.comp = z
	case Zstd:
		enc, err := zstd.NewWriter(nil, zstd.WithEncoderLevel(zstd.EncoderLevelFromZstd(level)), zstd.WithEncoderConcurrency(workers))
		if err != nil {
			return nil, err
		}
		lw.comp = newFrameWriter(lw.blob, enc, workers)
	case Uncompressed:
		lw.comp = nopCloser{lw.blob}
	default:
		return nil, fmt.Errorf("unknown compression %q (want gzip, zstd or none)", compression)
	}
	return lw, nil
}

type nopCloser struct{ io.Writer }

func (nopCloser) Close() error { return nil }

func (lw *layerWriter) Write(p []byte) (int, error) {
	lw.diff.Write(p)
	lw.tarBytes += int64(len(p))
	return lw.comp.Write(p)
}

// Close flushes everything to the underlying writer.
func (lw *layerWriter) Close() error {
	if err := lw.comp.Close(); err != nil {
		return err
	}
	return lw.bw.Flush()
}

func (lw *layerWriter) diffID() string { return fmt.Sprintf("sha256:%x", lw.diff.Sum(nil)) }
func (lw *layerWriter) digest() string { return fmt.Sprintf("sha256:%x", lw.blob.h.Sum(nil)) }

func mediaType(compression string) types.MediaType {
	switch compression {
	case Zstd:
		return types.OCILayerZStd
	case Uncompressed:
		return types.OCIUncompressedLayer
	}
	return types.OCILayer
}

// frameWriter compresses fixed-size chunks into independent zstd frames on
// up to workers goroutines and writes them in order. Its buffers are
// reused, so memory stays at a few chunks whatever the layer's size.
type frameWriter struct {
	w     io.Writer
	enc   *zstd.Encoder
	buf   []byte
	queue chan chan []byte
	done  chan error
	sem   chan struct{}
	srcs  chan []byte // free input chunks
	dsts  chan []byte // free output buffers
}

func newFrameWriter(w io.Writer, enc *zstd.Encoder, workers int) *frameWriter {
	n := workers + 2
	f := &frameWriter{w: w, enc: enc, queue: make(chan chan []byte, workers+1), done: make(chan error, 1),
		sem: make(chan struct{}, workers), srcs: make(chan []byte, n), dsts: make(chan []byte, n)}
	go func() {
		var err error
		for res := range f.queue {
			b := <-res
			if err == nil {
				_, err = w.Write(b)
			}
			select {
			case f.dsts <- b[:0]:
			default:
			}
		}
		f.done <- err
	}()
	return f
}

func (f *frameWriter) Write(p []byte) (int, error) {
	n := len(p)
	for len(p) > 0 {
		if f.buf == nil {
			select {
			case f.buf = <-f.srcs:
			default:
				f.buf = make([]byte, 0, zstdChunk)
			}
		}
		k := min(len(p), zstdChunk-len(f.buf))
		f.buf = append(f.buf, p[:k]...)
		p = p[k:]
		if len(f.buf) == zstdChunk {
			f.flush()
		}
	}
	return n, nil
}

func (f *frameWriter) flush() {
	src := f.buf
	f.buf = nil
	var dst []byte
	select {
	case dst = <-f.dsts:
	default:
		dst = make([]byte, 0, zstdChunk/2)
	}
	res := make(chan []byte, 1)
	f.sem <- struct{}{}
	f.queue <- res
	go func() {
		res <- f.enc.EncodeAll(src, dst)
		select {
		case f.srcs <- src[:0]:
		default:
		}
		<-f.sem
	}()
}

func (f *frameWriter) Close() error {
	if len(f.buf) > 0 {
		f.flush()
	}
	close(f.queue)
	err := <-f.done
	f.enc.Close()
	return err
}
