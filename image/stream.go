package image

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"hash"
	"io"
	"sync"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/klauspost/compress/zstd"
	"github.com/shipshape-dev/shipshape/internal/gunzip"
)

// ErrLayerTooLarge is wrapped by the error a layer stream returns when it
// decompresses past the bound Options.MaxExpansion and Options.ExpansionFloor
// set (a decompression bomb, or a legitimately sparse layer: raise the bound).
var ErrLayerTooLarge = errors.New("layer expands beyond the decompression bound")

// compression is what a blob's first bytes say it is; media types lie often
// enough (Docker archives name nothing) that the bytes decide.
type compression int

const (
	uncompressed compression = iota
	gzipped
	zstded
)

func (c compression) String() string {
	switch c {
	case gzipped:
		return "gzip"
	case zstded:
		return "zstd"
	}
	return "uncompressed"
}

// sniff names the compression of a blob from its first bytes. Formats that
// images never use in practice but old tools could write are refused by name.
func sniff(magic []byte) (compression, error) {
	switch {
	case bytes.HasPrefix(magic, []byte{0x1f, 0x8b}):
		return gzipped, nil
	case bytes.HasPrefix(magic, []byte{0x28, 0xb5, 0x2f, 0xfd}):
		return zstded, nil
	case bytes.HasPrefix(magic, []byte{0xfd, '7', 'z', 'X', 'Z', 0}):
		return 0, errors.New("xz-compressed layers are not supported")
	case bytes.HasPrefix(magic, []byte("BZh")):
		return 0, errors.New("bzip2-compressed layers are not supported")
	}
	return uncompressed, nil
}

// gzipPool keeps idle gzip readers and their buffers. internal/gunzip
// inflates about 1.8× as fast as klauspost/compress on layer blobs, and a
// gzip layer's inflate is the floor of reading it (docs/benchmarks.md).
var gzipPool sync.Pool

func getGzip(r io.Reader) (*gunzip.Reader, error) {
	if z, ok := gzipPool.Get().(*gunzip.Reader); ok {
		if err := z.Reset(r); err != nil {
			gzipPool.Put(z)
			return nil, err
		}
		return z, nil
	}
	return gunzip.NewReader(r)
}

// zstdPool keeps idle zstd decoders: each allocates its window buffers
// (megabytes) once instead of once per layer.
var zstdPool sync.Pool

func getZstd(r io.Reader) (*zstd.Decoder, error) {
	if d, ok := zstdPool.Get().(*zstd.Decoder); ok {
		if err := d.Reset(r); err == nil {
			return d, nil
		}
		d.Close()
	}
	return zstd.NewReader(r, zstd.WithDecoderConcurrency(1), zstd.WithDecoderMaxWindow(zstdMaxWindow))
}

func putZstd(d *zstd.Decoder) {
	if d.Reset(nil) == nil {
		zstdPool.Put(d)
		return
	}
	d.Close()
}

// layerName is how errors name a layer: its index and digest.
func (l *Layer) name() string {
	return fmt.Sprintf("layer %d (%s)", l.Index, l.Digest)
}

// want is what a layer's bytes must hash to. blob is zero when the stored
// blob's digest is unknown (a legacy docker-archive's layer.tar, whose only
// recorded digest is the diffID).
type want struct {
	blob v1.Hash
	diff v1.Hash
	size int64 // stored blob size, for the decompression bound
}

// layerReader decompresses a blob and hashes both sides as they stream; at
// EOF it compares the hashes with what the manifest and config promised.
type layerReader struct {
	ctx   context.Context
	layer *Layer
	want  want
	kind  compression

	raw      io.ReadCloser // the blob as stored
	buffered *bufio.Reader // raw (through blobHash when set), peeked for magic
	out      io.Reader     // uncompressed, through diffHash
	ahead    *readAhead    // the decompressor's goroutine, for compressed blobs
	hashing  *readAhead    // the goroutine reading and hashing the blob, when it has a digest
	closeDec func()

	blobHash hash.Hash // nil when the blob is the uncompressed tar or unverifiable
	diffHash hash.Hash

	n, max int64
	err    error
}

// verifyLayer wraps a layer's stored blob into the verifying, decompressing
// stream Layer.Open returns. It owns raw and closes it on Close.
func verifyLayer(ctx context.Context, l *Layer, raw io.ReadCloser, w want, opts resolved) (io.ReadCloser, error) {
	r := &layerReader{ctx: ctx, layer: l, want: w, raw: raw, diffHash: sha256.New()}
	var src io.Reader = raw
	if w.blob.Hex != "" {
		h, err := v1.Hasher(w.blob.Algorithm)
		if err != nil {
			raw.Close()
			return nil, fmt.Errorf("%s: %w", l.name(), err)
		}
		r.blobHash = h
		// Hashing the blob on a goroutine of its own keeps it off the
		// path of the decompressor, the slowest step of a gzip layer.
		r.hashing = newReadAhead(io.TeeReader(raw, r.blobHash), 64<<10)
		src = r.hashing
	}
	r.buffered = bufio.NewReaderSize(src, 64<<10)
	magic, err := r.buffered.Peek(6)
	if err != nil && err != io.EOF {
		r.Close()
		return nil, fmt.Errorf("%s: reading blob: %w", l.name(), err)
	}
	if r.kind, err = sniff(magic); err != nil {
		r.Close()
		return nil, fmt.Errorf("%s: %w", l.name(), err)
	}
	switch r.kind {
	case uncompressed:
		// One hash serves both digests: the blob is the uncompressed tar.
		if r.blobHash != nil && w.blob.Algorithm == "sha256" {
			r.diffHash = r.blobHash
			r.out = r.buffered
		} else {
			r.out = io.TeeReader(r.buffered, r.diffHash)
		}
		return r, nil
	case gzipped:
		gz, err := getGzip(r.buffered)
		if err != nil {
			r.Close()
			return nil, fmt.Errorf("%s: reading gzip header: %w", l.name(), err)
		}
		r.closeDec = func() { gzipPool.Put(gz) }
		// Inflated straight into the read-ahead buffers: no copy.
		r.ahead = newChunkReader(gz.ReadChunk, 256<<10)
	case zstded:
		zr, err := getZstd(r.buffered)
		if err != nil {
			r.Close()
			return nil, fmt.Errorf("%s: starting zstd decoder: %w", l.name(), err)
		}
		r.closeDec = func() { putZstd(zr) }
		r.ahead = newReadAhead(zr, 256<<10)
	}
	r.out = io.TeeReader(r.ahead, r.diffHash)
	r.max = opts.expansionBound(w.size)
	return r, nil
}

func (r *layerReader) Read(p []byte) (int, error) {
	if r.err != nil {
		return 0, r.err
	}
	if err := r.ctx.Err(); err != nil {
		r.err = err
		return 0, err
	}
	n, err := r.out.Read(p)
	r.n += int64(n)
	if r.max > 0 && r.n > r.max {
		r.err = fmt.Errorf("%s: %s stream passes %d uncompressed bytes, the bound for a %d-byte blob (raise Options.MaxExpansion or ExpansionFloor): %w",
			r.layer.name(), r.kind, r.max, r.want.size, ErrLayerTooLarge)
		return n, r.err
	}
	switch {
	case err == io.EOF:
		r.err = r.finish()
		if r.err == nil {
			r.err = io.EOF
		}
		return n, r.err
	case err != nil:
		if r.kind == uncompressed {
			r.err = fmt.Errorf("%s: reading blob: %w", r.layer.name(), err)
			return n, r.err
		}
		r.err = fmt.Errorf("%s: decompressing %s: %w", r.layer.name(), r.kind, err)
		// A damaged blob usually breaks the decompressor before its digest
		// can be checked: when the digest is known, name the real cause.
		if r.blobHash != nil && r.ctx.Err() == nil {
			if _, cerr := io.Copy(io.Discard, r.buffered); cerr == nil {
				if got := r.sum(r.blobHash, r.want.blob.Algorithm); got != r.want.blob {
					r.err = fmt.Errorf("%s: blob hashes to %s (and decompressing it fails: %v): %w", r.layer.name(), got, err, ErrDigestMismatch)
				}
			}
		}
		return n, r.err
	}
	return n, nil
}

// finish reads what the decompressor left of the blob (padding, a trailing
// frame) so the blob hash covers it all, then compares digests.
func (r *layerReader) finish() error {
	if r.kind != uncompressed {
		if _, err := io.Copy(io.Discard, r.buffered); err != nil {
			return fmt.Errorf("%s: reading blob: %w", r.layer.name(), err)
		}
	}
	if r.blobHash != nil {
		if got := r.sum(r.blobHash, r.want.blob.Algorithm); got != r.want.blob {
			return fmt.Errorf("%s: blob hashes to %s: %w", r.layer.name(), got, ErrDigestMismatch)
		}
	}
	if got := r.sum(r.diffHash, "sha256"); got != r.want.diff {
		return fmt.Errorf("%s: uncompressed tar hashes to %s, the config's diffID is %s: %w",
			r.layer.name(), got, r.want.diff, ErrDigestMismatch)
	}
	return nil
}

func (r *layerReader) sum(h hash.Hash, alg string) v1.Hash {
	return v1.Hash{Algorithm: alg, Hex: fmt.Sprintf("%x", h.Sum(nil))}
}

func (r *layerReader) Close() error {
	err := r.raw.Close() // unblocks the goroutines waiting on the blob
	if r.hashing != nil {
		r.hashing.close()
		r.hashing = nil
	}
	if r.ahead != nil {
		r.ahead.close()
		r.ahead = nil
	}
	if r.closeDec != nil {
		r.closeDec()
		r.closeDec = nil
	}
	if r.err == nil {
		r.err = errors.New("layer stream closed")
	}
	return err
}
