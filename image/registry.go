package image

import (
	"context"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// registry serves manifests and blobs of one repository over the
// distribution API, with go-containerregistry's authenticating transport.
// Blobs are fetched here rather than through remote.Layer so that their
// digests are checked by the same stream as every other source's.
type registry struct {
	repo   name.Repository
	client *http.Client
}

var _ blobSource = (*registry)(nil)

// manifestAccept is every manifest type the reader understands.
var manifestAccept = strings.Join([]string{
	string(types.OCIImageIndex), string(types.OCIManifestSchema1),
	string(types.DockerManifestList), string(types.DockerManifestSchema2),
}, ", ")

func openRegistry(ctx context.Context, rest string, opts resolved) (*Image, error) {
	var nopts []name.Option
	if opts.Insecure {
		nopts = append(nopts, name.Insecure)
	}
	ref, err := name.ParseReference(rest, nopts...)
	if err != nil {
		return nil, fmt.Errorf("parsing reference: %w", err)
	}
	auth, err := authn.Resolve(ctx, opts.Keychain, ref.Context())
	if err != nil {
		return nil, fmt.Errorf("finding credentials for %s: %w", ref.Context().RegistryStr(), err)
	}
	base := http.DefaultTransport.(*http.Transport).Clone()
	tr, err := transport.NewWithContext(ctx, ref.Context().Registry, auth, base, []string{ref.Scope(transport.PullScope)})
	if err != nil {
		return nil, fmt.Errorf("reaching %s: %w", ref.Context().RegistryStr(), err)
	}
	r := &registry{repo: ref.Context(), client: &http.Client{Transport: tr}}
	raw, mt, err := r.fetchManifest(ctx, ref.Identifier(), opts.MaxManifestBytes)
	if err != nil {
		return nil, err
	}
	top := v1.Descriptor{MediaType: mt, Size: int64(len(raw)), Digest: sha256Hash(raw)}
	if dig, ok := ref.(name.Digest); ok && dig.DigestStr() != top.Digest.String() {
		return nil, fmt.Errorf("manifest %s hashes to %s: %w", dig.DigestStr(), top.Digest, ErrDigestMismatch)
	}
	d, raw, err := descend(ctx, r, top, raw, opts, 0)
	if err != nil {
		return nil, err
	}
	img, err := buildImage(ctx, r, d, raw, opts)
	if err != nil {
		return nil, err
	}
	if tag, ok := ref.(name.Tag); ok {
		img.Tags = []string{tag.Name()}
	}
	return img, nil
}

func (r *registry) url(kind, id string) string {
	u := url.URL{
		Scheme: r.repo.Registry.Scheme(),
		Host:   r.repo.RegistryStr(),
		Path:   fmt.Sprintf("/v2/%s/%s/%s", r.repo.RepositoryStr(), kind, id),
	}
	return u.String()
}

func (r *registry) get(ctx context.Context, kind, id, accept string) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, r.url(kind, id), nil)
	if err != nil {
		return nil, err
	}
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	resp, err := r.client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("fetching %s %s: %w", strings.TrimSuffix(kind, "s"), id, err)
	}
	if resp.StatusCode == http.StatusNotFound && kind == "blobs" {
		resp.Body.Close()
		return nil, fmt.Errorf("%w: %s/blobs/%s: the registry answers 404", errMissingBlob, r.repo, id)
	}
	if err := transport.CheckError(resp, http.StatusOK); err != nil {
		resp.Body.Close()
		return nil, fmt.Errorf("fetching %s %s from %s: %w", strings.TrimSuffix(kind, "s"), id, r.repo, err)
	}
	return resp, nil
}

// fetchManifest returns a manifest by tag or digest, bounded, with the
// media type the registry serves it as.
func (r *registry) fetchManifest(ctx context.Context, id string, limit int64) ([]byte, types.MediaType, error) {
	resp, err := r.get(ctx, "manifests", id, manifestAccept)
	if err != nil {
		return nil, "", err
	}
	defer resp.Body.Close()
	if resp.ContentLength > limit {
		return nil, "", fmt.Errorf("manifest %s is %d bytes, more than the %d allowed", id, resp.ContentLength, limit)
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err != nil {
		return nil, "", fmt.Errorf("reading manifest %s: %w", id, err)
	}
	if int64(len(b)) > limit {
		return nil, "", fmt.Errorf("manifest %s is more than the %d bytes allowed", id, limit)
	}
	mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	if mt == "application/json" || mt == "text/plain" {
		mt = "" // some registries serve old OCI documents so: judge by content
	}
	return b, types.MediaType(mt), nil
}

func (r *registry) manifest(ctx context.Context, d v1.Descriptor, limit int64) ([]byte, error) {
	if d.Size > limit {
		return nil, fmt.Errorf("manifest %s is %d bytes, more than the %d allowed", d.Digest, d.Size, limit)
	}
	b, _, err := r.fetchManifest(ctx, d.Digest.String(), limit)
	if err != nil {
		return nil, err
	}
	return checkDigest(d, b)
}

func (r *registry) blob(ctx context.Context, d v1.Descriptor) (io.ReadCloser, error) {
	resp, err := r.get(ctx, "blobs", d.Digest.String(), "")
	if err != nil {
		return nil, err
	}
	if resp.ContentLength >= 0 && resp.ContentLength != d.Size {
		resp.Body.Close()
		return nil, fmt.Errorf("blob %s is %d bytes in the registry where the descriptor says %d", d.Digest, resp.ContentLength, d.Size)
	}
	// A body longer than promised is cut at the promise; the digest then fails.
	return struct {
		io.Reader
		io.Closer
	}{io.LimitReader(resp.Body, d.Size), resp.Body}, nil
}
