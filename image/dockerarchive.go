package image

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"path"
	"strconv"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// archive is what the docker-archive reader needs of a docker save stream:
// a file on disk (tarIndex) or a daemon's export (daemonExport).
type archive interface {
	lookup(name string) (*tarEntry, error)
	readSmall(name string, limit int64) ([]byte, error)
	openEntry(ctx context.Context, e *tarEntry) (io.ReadCloser, error)
	peek(e *tarEntry) []byte // nil when the archive cannot be read at random
}

// archiveManifest is one element of a docker save manifest.json.
type archiveManifest struct {
	Config   string
	RepoTags []string
	Layers   []string
}

// archiveLayer is what reading one layer of a docker-archive takes.
type archiveLayer struct {
	entry  *tarEntry
	want   want
	digest v1.Hash // of the stored blob
}

// openDockerArchive builds the image that ref (a tag, @INDEX or empty when
// the archive holds one image) selects from a docker save manifest.json.
func openDockerArchive(ctx context.Context, ar archive, ref string, opts resolved) (*Image, []archiveLayer, error) {
	raw, err := ar.readSmall("manifest.json", opts.MaxManifestBytes)
	if err != nil {
		return nil, nil, fmt.Errorf("reading manifest.json: %w", err)
	}
	var list []archiveManifest
	if err := json.Unmarshal(raw, &list); err != nil {
		return nil, nil, fmt.Errorf("parsing manifest.json: %w", err)
	}
	m, err := pickArchiveManifest(list, ref)
	if err != nil {
		return nil, nil, err
	}
	rawCfg, err := ar.readSmall(m.Config, opts.MaxConfigBytes)
	if err != nil {
		return nil, nil, fmt.Errorf("reading config: %w", err)
	}
	cfgDigest := sha256Hash(rawCfg)
	if claimed, ok := digestFromName(m.Config); ok && claimed != cfgDigest {
		return nil, nil, fmt.Errorf("config %q hashes to %s: %w", m.Config, cfgDigest, ErrDigestMismatch)
	}
	cfg, err := parseConfig(rawCfg, m.Config)
	if err != nil {
		return nil, nil, err
	}
	if n := len(cfg.RootFS.DiffIDs); n != len(m.Layers) {
		return nil, nil, fmt.Errorf("manifest.json lists %d layers but config %q has %d diffIDs", len(m.Layers), m.Config, n)
	}
	img := &Image{
		Tags:         append([]string(nil), m.RepoTags...),
		ConfigDigest: cfgDigest.String(),
		Config:       cfg,
		RawConfig:    rawCfg,
		Platform:     configPlatform(cfg),
	}
	derived := v1.Manifest{
		SchemaVersion: 2,
		MediaType:     types.DockerManifestSchema2,
		Config:        v1.Descriptor{MediaType: types.DockerConfigJSON, Size: int64(len(rawCfg)), Digest: cfgDigest},
	}
	specs := make([]archiveLayer, len(m.Layers))
	for i, p := range m.Layers {
		l, spec, err := archiveLayerAt(ctx, ar, i, p, cfg.RootFS.DiffIDs[i], opts)
		if err != nil {
			return nil, nil, err
		}
		img.Layers = append(img.Layers, l)
		specs[i] = spec
		derived.Layers = append(derived.Layers, v1.Descriptor{MediaType: types.MediaType(l.MediaType), Size: l.Size, Digest: spec.digest})
	}
	mb, err := json.Marshal(derived)
	if err != nil {
		return nil, nil, fmt.Errorf("deriving manifest: %w", err)
	}
	img.Digest = sha256Hash(mb).String()
	return img, specs, nil
}

// archiveLayerAt lays out layer i, stored at path p. Its blob digest comes
// from the file name where tools put it there, else it is the diffID (an
// uncompressed blob) or, for a compressed blob named by nothing, hashed now.
func archiveLayerAt(ctx context.Context, ar archive, i int, p string, diffID v1.Hash, opts resolved) (*Layer, archiveLayer, error) {
	e, err := ar.lookup(p)
	if err != nil {
		return nil, archiveLayer{}, fmt.Errorf("layer %d: missing blob: %w", i, err)
	}
	w := want{diff: diffID, size: e.size}
	kind := archiveLayerKind(ar, e, p, diffID)
	if claimed, ok := digestFromName(p); ok && !(kind != uncompressed && claimed == diffID) {
		w.blob = claimed
	}
	if w.blob.Hex == "" && kind != uncompressed {
		if w.blob, err = hashEntry(ctx, ar, e); err != nil {
			return nil, archiveLayer{}, fmt.Errorf("layer %d %q: %w", i, p, err)
		}
	}
	digest := w.blob
	if digest.Hex == "" {
		digest = diffID
	}
	l := &Layer{Index: i, Digest: digest.String(), DiffID: diffID.String(), MediaType: string(layerMediaType(kind)), Size: e.size}
	l.open = func(ctx context.Context) (io.ReadCloser, error) {
		rc, err := ar.openEntry(ctx, e)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", l.name(), err)
		}
		return verifyLayer(ctx, l, rc, w, opts)
	}
	l.raw = func(ctx context.Context) (io.ReadCloser, error) { return ar.openEntry(ctx, e) }
	return l, archiveLayer{entry: e, want: w, digest: digest}, nil
}

// pickArchiveManifest selects by tag (normalised as docker does, so
// "busybox" finds "docker.io/library/busybox:latest") or by @INDEX.
func pickArchiveManifest(list []archiveManifest, ref string) (archiveManifest, error) {
	if len(list) == 0 {
		return archiveManifest{}, fmt.Errorf("manifest.json lists no image")
	}
	if ref == "" {
		if len(list) == 1 {
			return list[0], nil
		}
		return archiveManifest{}, fmt.Errorf("archive holds %d images; name one as PATH:TAG or PATH:@INDEX (tags: %s)", len(list), archiveTags(list))
	}
	if n, ok := strings.CutPrefix(ref, "@"); ok {
		i, err := strconv.Atoi(n)
		if err != nil || i < 0 || i >= len(list) {
			return archiveManifest{}, fmt.Errorf("archive holds %d images; @%s is not one of @0..@%d", len(list), n, len(list)-1)
		}
		return list[i], nil
	}
	for _, m := range list {
		for _, t := range m.RepoTags {
			if sameImageName(t, ref) {
				return m, nil
			}
		}
	}
	return archiveManifest{}, fmt.Errorf("no image tagged %q in the archive (tags: %s)", ref, archiveTags(list))
}

func archiveTags(list []archiveManifest) string {
	var tags []string
	for i, m := range list {
		if len(m.RepoTags) == 0 {
			tags = append(tags, fmt.Sprintf("@%d", i))
		}
		tags = append(tags, m.RepoTags...)
	}
	return strings.Join(tags, ", ")
}

// sameImageName compares two image names after docker's normalisation.
func sameImageName(a, b string) bool {
	if a == b {
		return true
	}
	ra, err1 := name.ParseReference(a, name.WeakValidation)
	rb, err2 := name.ParseReference(b, name.WeakValidation)
	return err1 == nil && err2 == nil && ra.Name() == rb.Name()
}

// digestFromName reads the digest tools put in file names: blobs/sha256/HEX
// (OCI-style, Docker ≥ 25), HEX.json (docker save configs), sha256:HEX and
// HEX.tar.gz (kaniko), HEX.tar (skopeo, buildah).
func digestFromName(p string) (v1.Hash, bool) {
	base := path.Base(cleanName(p))
	if dir := path.Dir(cleanName(p)); path.Base(dir) == "sha256" && path.Base(path.Dir(dir)) == "blobs" {
		return hexHash(base)
	}
	base = strings.TrimPrefix(base, "sha256:")
	for _, ext := range []string{".json", ".tar.gz", ".tgz", ".tar.zst", ".tar"} {
		if s, ok := strings.CutSuffix(base, ext); ok {
			base = s
			break
		}
	}
	return hexHash(base)
}

func hexHash(s string) (v1.Hash, bool) {
	if len(s) != 64 || strings.Trim(s, "0123456789abcdef") != "" {
		return v1.Hash{}, false
	}
	return v1.Hash{Algorithm: "sha256", Hex: s}, true
}

// archiveLayerKind tells a layer's compression from its bytes when the
// archive can be read at random, else from the conventions of its name.
func archiveLayerKind(ar archive, e *tarEntry, p string, diffID v1.Hash) compression {
	if magic := ar.peek(e); magic != nil {
		if c, err := sniff(magic); err == nil {
			return c
		}
		return uncompressed // refused with a clear error when opened
	}
	switch {
	case strings.HasSuffix(p, ".gz"), strings.HasSuffix(p, ".tgz"):
		return gzipped
	case strings.HasSuffix(p, ".zst"):
		return zstded
	}
	if claimed, ok := digestFromName(p); ok && claimed != diffID {
		return gzipped // a blob whose digest is not its diffID is compressed
	}
	return uncompressed
}

func layerMediaType(c compression) types.MediaType {
	switch c {
	case gzipped:
		return types.DockerLayer
	case zstded:
		return types.OCILayerZStd
	}
	return types.DockerUncompressedLayer
}

func hashEntry(ctx context.Context, ar archive, e *tarEntry) (v1.Hash, error) {
	rc, err := ar.openEntry(ctx, e)
	if err != nil {
		return v1.Hash{}, err
	}
	defer rc.Close()
	h, _, err := v1.SHA256(rc)
	return h, err
}

func sha256Hash(b []byte) v1.Hash {
	return v1.Hash{Algorithm: "sha256", Hex: fmt.Sprintf("%x", sha256.Sum256(b))}
}

func parseConfig(raw []byte, where string) (*v1.ConfigFile, error) {
	cfg, err := v1.ParseConfigFile(bytes.NewReader(raw))
	if err != nil {
		return nil, fmt.Errorf("parsing config %q: %w", where, err)
	}
	for i, d := range cfg.RootFS.DiffIDs {
		if d.Algorithm != "sha256" {
			return nil, fmt.Errorf("config %q: diffID %d uses %q; only sha256 is supported", where, i, d.Algorithm)
		}
	}
	return cfg, nil
}

func configPlatform(cfg *v1.ConfigFile) string {
	p := v1.Platform{OS: cfg.OS, Architecture: cfg.Architecture, Variant: cfg.Variant}
	return p.String()
}
