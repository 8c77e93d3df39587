package image

import (
	"context"
	"fmt"
	"hash"
	"io"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// Blob is one layer of an image to write: the bytes as they are to be
// stored, and what they hold.
type Blob struct {
	Digest    string // of the bytes Open returns
	DiffID    string // of the uncompressed tar
	MediaType string // as the source names it; sinks translate it to their manifest's family
	Size      int64
	Open      func(ctx context.Context) (io.ReadCloser, error)
	// File, when set, is a file from Sink.TempFile holding exactly the
	// blob: a sink may move it into place instead of copying it.
	File string
}

// Blob describes the layer's stored blob, so that a sink copies it byte for
// byte: same digest, never recompressed.
func (l *Layer) Blob() Blob {
	return Blob{Digest: l.Digest, DiffID: l.DiffID, MediaType: l.MediaType, Size: l.Size, Open: l.OpenBlob}
}

// OpenBlob returns the layer's blob exactly as the source stores it
// (compressed or not). Read it to EOF: at the end it is checked against the
// layer's digest and size, and a mismatch is returned by Read as an error
// wrapping ErrDigestMismatch.
func (l *Layer) OpenBlob(ctx context.Context) (io.ReadCloser, error) {
	if l.raw == nil {
		return nil, fmt.Errorf("%s: this source cannot hand out stored blobs", l.name())
	}
	want, err := v1.NewHash(l.Digest)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", l.name(), err)
	}
	h, err := v1.Hasher(want.Algorithm)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", l.name(), err)
	}
	rc, err := l.raw(ctx)
	if err != nil {
		return nil, err
	}
	return &blobReader{ctx: ctx, l: l, rc: rc, h: h, want: want}, nil
}

// blobReader checks a stored blob's size and digest as it streams.
type blobReader struct {
	ctx  context.Context
	l    *Layer
	rc   io.ReadCloser
	h    hash.Hash
	want v1.Hash
	n    int64
	err  error
}

func (b *blobReader) Read(p []byte) (int, error) {
	if b.err != nil {
		return 0, b.err
	}
	if err := b.ctx.Err(); err != nil {
		b.err = err
		return 0, err
	}
	n, err := b.rc.Read(p)
	b.h.Write(p[:n])
	b.n += int64(n)
	switch {
	case b.n > b.l.Size:
		b.err = fmt.Errorf("%s: blob is longer than the %d bytes its descriptor says: %w", b.l.name(), b.l.Size, ErrDigestMismatch)
		return n, b.err
	case err == io.EOF:
		got := v1.Hash{Algorithm: b.want.Algorithm, Hex: fmt.Sprintf("%x", b.h.Sum(nil))}
		if b.n != b.l.Size {
			b.err = fmt.Errorf("%s: blob ends after %d bytes where its descriptor says %d: %w", b.l.name(), b.n, b.l.Size, ErrDigestMismatch)
		} else if got != b.want {
			b.err = fmt.Errorf("%s: blob hashes to %s: %w", b.l.name(), got, ErrDigestMismatch)
		} else {
			b.err = io.EOF
		}
		return n, b.err
	case err != nil:
		b.err = fmt.Errorf("%s: reading blob: %w", b.l.name(), err)
		return n, b.err
	}
	return n, nil
}

func (b *blobReader) Close() error { return b.rc.Close() }
