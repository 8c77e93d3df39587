// Package image opens container images from every place users keep them
// (docker and OCI archives, OCI layout directories, registries, a Docker-Engine
// API socket) behind one explicit table of sources, and hands out each layer
// as a verified, uncompressed tar stream. It never unpacks to disk.
package image

import (
	"context"
	"errors"
	"io"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// Image is an opened image: what the manifest and config say, and its layers
// in order from the base up.
type Image struct {
	Reference string   // as the user gave it
	Source    string   // transport name from the table: docker-archive, oci, oci-archive, docker, docker-daemon
	Digest    string   // manifest digest; for a legacy docker-archive, the digest of the manifest shipshape derives
	Platform  string   // os/arch[/variant] of the config
	Tags      []string // repo tags the source records (docker-archive RepoTags, OCI ref names)

	ConfigDigest string
	Config       *v1.ConfigFile
	RawConfig    []byte

	Layers []*Layer

	// each walks the layers for sources that can only be read front to back
	// (a daemon export); nil means layers open independently.
	each   func(ctx context.Context, fn func(l *Layer, r io.Reader) error) error
	closer func() error
}

// Layer is one filesystem layer as the manifest lists it.
type Layer struct {
	Index     int    // position from the base, 0 first
	Digest    string // digest of the blob as stored or pulled
	DiffID    string // digest of the uncompressed tar, from the config
	MediaType string
	Size      int64 // blob size as stored: what a pull downloads for compressed blobs

	open func(ctx context.Context) (io.ReadCloser, error) // uncompressed, verifying
	raw  func(ctx context.Context) (io.ReadCloser, error) // the blob as stored, unverified
}

// ErrDigestMismatch is wrapped by the error a layer stream returns at its end
// when the bytes read do not hash to the digest the manifest or config promised.
var ErrDigestMismatch = errors.New("digest mismatch")

// Open returns the layer's uncompressed tar stream. Read it to EOF: the
// digests are checked at the end, and a mismatch is returned by Read as an
// error wrapping ErrDigestMismatch that names the layer.
func (l *Layer) Open(ctx context.Context) (io.ReadCloser, error) {
	return l.open(ctx)
}

// EachLayer streams every layer's uncompressed tar to fn, up to parallel
// layers at once (fn must be safe for concurrent use). Sources that can only be
// read front to back feed the layers one at a time, in their stored order.
// The first error stops the walk and is returned.
func (img *Image) EachLayer(ctx context.Context, parallel int, fn func(l *Layer, r io.Reader) error) error {
	if img.each != nil {
		return img.each(ctx, fn)
	}
	return eachParallel(ctx, img.Layers, parallel, fn)
}

// Close releases the files and connections the image holds.
func (img *Image) Close() error {
	if img.closer == nil {
		return nil
	}
	return img.closer()
}
