package image

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// blobSource serves what manifests point at, by descriptor: an OCI layout
// (a directory or an archive) or a registry. Manifests are asked for apart
// from blobs because registries serve them from another endpoint.
type blobSource interface {
	manifest(ctx context.Context, d v1.Descriptor, limit int64) ([]byte, error) // verified
	blob(ctx context.Context, d v1.Descriptor) (io.ReadCloser, error)           // streaming, unverified
}

// maxIndexDepth bounds nested indexes (an index of indexes of …).
const maxIndexDepth = 4

// pickManifest walks from the descriptors of an index down to one image
// manifest, choosing by platform where the index offers several.
func pickManifest(ctx context.Context, src blobSource, descs []v1.Descriptor, where string, opts resolved, depth int) (v1.Descriptor, []byte, error) {
	if depth > maxIndexDepth {
		return v1.Descriptor{}, nil, fmt.Errorf("%s: indexes nest more than %d deep", where, maxIndexDepth)
	}
	d, err := choosePlatform(descs, where, opts)
	if err != nil {
		return v1.Descriptor{}, nil, err
	}
	raw, err := src.manifest(ctx, d, opts.MaxManifestBytes)
	if err != nil {
		return v1.Descriptor{}, nil, err
	}
	return descend(ctx, src, d, raw, opts, depth)
}

// descend returns d when raw is an image manifest, or picks further down
// when it is an index.
func descend(ctx context.Context, src blobSource, d v1.Descriptor, raw []byte, opts resolved, depth int) (v1.Descriptor, []byte, error) {
	mt := manifestKind(d.MediaType, raw)
	switch {
	case mt.IsIndex():
		idx, err := v1.ParseIndexManifest(bytes.NewReader(raw))
		if err != nil {
			return v1.Descriptor{}, nil, fmt.Errorf("parsing index %s: %w", d.Digest, err)
		}
		return pickManifest(ctx, src, idx.Manifests, "index "+d.Digest.String(), opts, depth+1)
	case mt.IsImage():
		d.MediaType = mt
		return d, raw, nil
	case mt.IsSchema1():
		return v1.Descriptor{}, nil, fmt.Errorf("manifest %s is Docker schema 1, which registries stopped serving in 2019; repush the image", d.Digest)
	}
	return v1.Descriptor{}, nil, fmt.Errorf("manifest %s: unknown media type %q", d.Digest, mt)
}

// manifestKind trusts the descriptor's media type, then the document's own,
// then its shape: old OCI indexes and manifests may carry neither.
func manifestKind(fromDesc types.MediaType, raw []byte) types.MediaType {
	if fromDesc != "" {
		return fromDesc
	}
	var probe struct {
		MediaType types.MediaType `json:"mediaType"`
		Manifests json.RawMessage `json:"manifests"`
		Config    json.RawMessage `json:"config"`
	}
	if json.Unmarshal(raw, &probe) != nil {
		return ""
	}
	switch {
	case probe.MediaType != "":
		return probe.MediaType
	case probe.Manifests != nil:
		return types.OCIImageIndex
	case probe.Config != nil:
		return types.OCIManifestSchema1
	}
	return ""
}

// choosePlatform picks the descriptor for the wanted platform. An index with
// a single image yields it unless a platform was asked for explicitly:
// single-platform OCI layouts often record the platform, and refusing them on
// another host helps no one.
func choosePlatform(descs []v1.Descriptor, where string, opts resolved) (v1.Descriptor, error) {
	var cands []v1.Descriptor
	for _, d := range descs {
		if d.Platform != nil && d.Platform.OS == "unknown" {
			continue // BuildKit attestations
		}
		if d.MediaType != "" && !d.MediaType.IsImage() && !d.MediaType.IsIndex() && !d.MediaType.IsSchema1() {
			continue // artifacts, signatures
		}
		cands = append(cands, d)
	}
	if len(cands) == 0 {
		return v1.Descriptor{}, fmt.Errorf("%s lists no image", where)
	}
	if len(cands) == 1 && (!opts.platformExplicit || cands[0].Platform == nil || platformMatches(*cands[0].Platform, opts.platform)) {
		return cands[0], nil
	}
	var avail []string
	for _, d := range cands {
		if d.Platform == nil {
			continue
		}
		if platformMatches(*d.Platform, opts.platform) {
			return d, nil
		}
		avail = append(avail, d.Platform.String())
	}
	if len(avail) == 0 {
		return v1.Descriptor{}, fmt.Errorf("%s lists %d images and no platforms; name one as :REF", where, len(cands))
	}
	return v1.Descriptor{}, fmt.Errorf("%s has no image for platform %s (available: %s); choose one with the platform option",
		where, opts.platform.String(), strings.Join(avail, ", "))
}

// platformMatches compares os, architecture and, when asked for, variant
// (arm64's only variant v8 is the same as none).
func platformMatches(have, want v1.Platform) bool {
	if have.OS != want.OS || have.Architecture != want.Architecture {
		return false
	}
	norm := func(p v1.Platform) string {
		if p.Architecture == "arm64" && p.Variant == "v8" {
			return ""
		}
		return p.Variant
	}
	return want.Variant == "" || norm(have) == norm(want)
}

// buildImage reads an image manifest's config and lays out its layers.
func buildImage(ctx context.Context, src blobSource, d v1.Descriptor, raw []byte, opts resolved) (*Image, error) {
	m, err := v1.ParseManifest(bytes.NewReader(raw))
	if err != nil {
		return nil, fmt.Errorf("parsing manifest %s: %w", d.Digest, err)
	}
	switch m.Config.MediaType {
	case types.DockerConfigJSON, types.OCIConfigJSON, "":
	default:
		return nil, fmt.Errorf("manifest %s is not a container image: config media type %q", d.Digest, m.Config.MediaType)
	}
	rawCfg, err := readVerified(ctx, src, m.Config, opts.MaxConfigBytes)
	if err != nil {
		return nil, fmt.Errorf("reading config: %w", err)
	}
	cfg, err := parseConfig(rawCfg, m.Config.Digest.String())
	if err != nil {
		return nil, err
	}
	if n := len(cfg.RootFS.DiffIDs); n != len(m.Layers) {
		return nil, fmt.Errorf("manifest %s lists %d layers but its config has %d diffIDs", d.Digest, len(m.Layers), n)
	}
	img := &Image{
		Digest:       d.Digest.String(),
		ConfigDigest: m.Config.Digest.String(),
		Config:       cfg,
		RawConfig:    rawCfg,
		Platform:     configPlatform(cfg),
	}
	for i, ld := range m.Layers {
		l := &Layer{Index: i, Digest: ld.Digest.String(), DiffID: cfg.RootFS.DiffIDs[i].String(), MediaType: string(ld.MediaType), Size: ld.Size}
		if !knownLayerType(ld.MediaType) {
			return nil, fmt.Errorf("%s: unknown media type %q", l.name(), ld.MediaType)
		}
		if ld.Size < 0 {
			return nil, fmt.Errorf("%s: negative size %d", l.name(), ld.Size)
		}
		w := want{blob: ld.Digest, diff: cfg.RootFS.DiffIDs[i], size: ld.Size}
		l.open = func(ctx context.Context) (io.ReadCloser, error) {
			rc, err := src.blob(ctx, ld)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", l.name(), err)
			}
			return verifyLayer(ctx, l, rc, w, opts)
		}
		l.raw = func(ctx context.Context) (io.ReadCloser, error) { return src.blob(ctx, ld) }
		img.Layers = append(img.Layers, l)
	}
	return img, nil
}

func knownLayerType(mt types.MediaType) bool {
	switch mt {
	case types.OCILayer, types.OCILayerZStd, types.OCIUncompressedLayer,
		types.OCIRestrictedLayer, types.OCIUncompressedRestrictedLayer,
		"application/vnd.oci.image.layer.nondistributable.v1.tar+zstd",
		types.DockerLayer, types.DockerUncompressedLayer, types.DockerForeignLayer:
		return true
	}
	return false
}

// readVerified reads a small blob whole, refusing it past limit bytes or when
// it does not hash to its digest.
func readVerified(ctx context.Context, src blobSource, d v1.Descriptor, limit int64) ([]byte, error) {
	if d.Size > limit {
		return nil, fmt.Errorf("%s is %d bytes, more than the %d allowed", d.Digest, d.Size, limit)
	}
	if d.Data != nil && int64(len(d.Data)) == d.Size {
		return checkDigest(d, d.Data)
	}
	rc, err := src.blob(ctx, d)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	b, err := io.ReadAll(io.LimitReader(rc, limit+1))
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", d.Digest, err)
	}
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("%s is more than the %d bytes allowed", d.Digest, limit)
	}
	return checkDigest(d, b)
}

func checkDigest(d v1.Descriptor, b []byte) ([]byte, error) {
	h, err := v1.Hasher(d.Digest.Algorithm)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", d.Digest, err)
	}
	h.Write(b)
	got := v1.Hash{Algorithm: d.Digest.Algorithm, Hex: fmt.Sprintf("%x", h.Sum(nil))}
	if got != d.Digest {
		return nil, fmt.Errorf("%s: content hashes to %s: %w", d.Digest, got, ErrDigestMismatch)
	}
	if d.Size > 0 && int64(len(b)) != d.Size {
		return nil, fmt.Errorf("%s: %d bytes where the descriptor says %d", d.Digest, len(b), d.Size)
	}
	return b, nil
}

// errMissingBlob marks a blob a layout or registry does not hold.
var errMissingBlob = errors.New("missing blob")
