package image

import (
	"context"
	"encoding/json"
	"fmt"
	"io"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/partial"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// registrySink pushes with go-containerregistry's remote package: blobs the
// registry already holds (a shared base) are not sent again. The manifest
// goes up by digest first, and the tag moves only on Commit.
type registrySink struct {
	ref  name.Reference
	opts SinkOptions
	img  v1.Image
}

func newRegistrySink(ref string, opts SinkOptions) (*registrySink, error) {
	var nopts []name.Option
	if opts.Insecure {
		nopts = append(nopts, name.Insecure)
	}
	r, err := name.ParseReference(ref, nopts...)
	if err != nil {
		return nil, fmt.Errorf("parsing reference: %w", err)
	}
	return &registrySink{ref: r, opts: opts}, nil
}

func (r *registrySink) remoteOpts(ctx context.Context) []remote.Option {
	return []remote.Option{remote.WithContext(ctx), remote.WithAuthFromKeychain(r.opts.Keychain), remote.WithJobs(4)}
}

func (r *registrySink) write(ctx context.Context, out *Output) (*Written, error) {
	cfgDigest := sha256Hash(out.RawConfig)
	m, err := manifestFor(out, cfgDigest, out.OCI)
	if err != nil {
		return nil, err
	}
	mb, err := json.Marshal(m)
	if err != nil {
		return nil, err
	}
	p := &pushImage{ctx: ctx, cfg: out.RawConfig, manifest: mb, mediaType: m.MediaType, blobs: map[v1.Hash]pushLayer{}}
	for i, b := range out.Layers {
		p.blobs[m.Layers[i].Digest] = pushLayer{ctx: ctx, b: b, mt: m.Layers[i].MediaType}
	}
	img, err := partial.CompressedToImage(p)
	if err != nil {
		return nil, err
	}
	digest := sha256Hash(mb)
	byDigest := r.ref.Context().Digest(digest.String())
	if err := remote.Write(byDigest, img, r.remoteOpts(ctx)...); err != nil {
		return nil, err
	}
	r.img = img
	w := &Written{Reference: "docker://" + byDigest.String(), Digest: digest.String(), ConfigDigest: cfgDigest.String(), Size: int64(len(mb) + len(out.RawConfig))}
	for _, b := range out.Layers {
		w.Size += b.Size
	}
	return w, nil
}

// commit points the destination's tag at the pushed manifest and returns
// the digest-pinned reference.
func (r *registrySink) commit(ctx context.Context) (string, error) {
	d, err := r.img.Digest()
	if err != nil {
		return "", err
	}
	if tag, ok := r.ref.(name.Tag); ok {
		if err := remote.Tag(tag, r.img, r.remoteOpts(ctx)...); err != nil {
			return "", err
		}
	}
	return "docker://" + r.ref.Context().Digest(d.String()).String(), nil
}

// pushImage is the smallest image go-containerregistry's partial package
// completes into a v1.Image: config, manifest and blobs by digest.
type pushImage struct {
	ctx       context.Context
	cfg       []byte
	manifest  []byte
	mediaType types.MediaType
	blobs     map[v1.Hash]pushLayer
}

var _ partial.CompressedImageCore = (*pushImage)(nil)

func (p *pushImage) RawConfigFile() ([]byte, error)      { return p.cfg, nil }
func (p *pushImage) MediaType() (types.MediaType, error) { return p.mediaType, nil }
func (p *pushImage) RawManifest() ([]byte, error)        { return p.manifest, nil }
func (p *pushImage) LayerByDigest(h v1.Hash) (partial.CompressedLayer, error) {
	l, ok := p.blobs[h]
	if !ok {
		return nil, fmt.Errorf("no layer %s in the image", h)
	}
	return l, nil
}

// pushLayer serves one blob as stored.
type pushLayer struct {
	ctx context.Context
	b   Blob
	mt  types.MediaType
}

var _ partial.CompressedLayer = pushLayer{}

func (l pushLayer) Digest() (v1.Hash, error)            { return v1.NewHash(l.b.Digest) }
func (l pushLayer) DiffID() (v1.Hash, error)            { return v1.NewHash(l.b.DiffID) }
func (l pushLayer) Compressed() (io.ReadCloser, error)  { return l.b.Open(l.ctx) }
func (l pushLayer) Size() (int64, error)                { return l.b.Size, nil }
func (l pushLayer) MediaType() (types.MediaType, error) { return l.mt, nil }
