package image

import (
	"archive/tar"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// fileSet is where a local sink puts its files: a directory or a tar.
type fileSet interface {
	mkdir(name string) error
	put(ctx context.Context, name string, b Blob) error
}

// dirSet writes files under a directory.
type dirSet struct{ root string }

func (d dirSet) mkdir(name string) error {
	return os.Mkdir(filepath.Join(d.root, filepath.FromSlash(name)), 0o755)
}

func (d dirSet) put(ctx context.Context, name string, b Blob) error {
	dst := filepath.Join(d.root, filepath.FromSlash(name))
	if b.File != "" {
		if err := os.Rename(b.File, dst); err == nil {
			return os.Chmod(dst, 0o644)
		}
	}
	f, err := os.OpenFile(dst, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	if err := copyBlob(ctx, f, b); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// tarSet writes files into a tar with fixed metadata, so that the same
// image always makes the same archive.
type tarSet struct{ tw *tar.Writer }

var archiveTime = time.Unix(0, 0)

func (t tarSet) mkdir(name string) error {
	return t.tw.WriteHeader(&tar.Header{Typeflag: tar.TypeDir, Name: name + "/", Mode: 0o755, ModTime: archiveTime, Format: tar.FormatUSTAR})
}

func (t tarSet) put(ctx context.Context, name string, b Blob) error {
	if err := t.tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: name, Size: b.Size, Mode: 0o644, ModTime: archiveTime, Format: tar.FormatUSTAR}); err != nil {
		return err
	}
	return copyBlob(ctx, t.tw, b)
}

// copyBlob copies exactly b.Size bytes of b.
func copyBlob(ctx context.Context, w io.Writer, b Blob) error {
	rc, err := b.Open(ctx)
	if err != nil {
		return err
	}
	defer rc.Close()
	n, err := io.Copy(w, rc)
	if err != nil {
		return fmt.Errorf("copying blob %s: %w", b.Digest, err)
	}
	if n != b.Size {
		return fmt.Errorf("blob %s holds %d bytes where %d were promised", b.Digest, n, b.Size)
	}
	return nil
}

func bytesBlob(b []byte) Blob {
	d := sha256Hash(b)
	return Blob{Digest: d.String(), Size: int64(len(b)), Open: func(context.Context) (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(b)), nil
	}}
}

// writeLayout writes an OCI image layout into fs and says what it wrote.
func writeLayout(ctx context.Context, fs fileSet, out *Output, refName string) (*Written, error) {
	cfg := bytesBlob(out.RawConfig)
	cfgDigest, _ := v1.NewHash(cfg.Digest)
	m, err := manifestFor(out, cfgDigest, true)
	if err != nil {
		return nil, err
	}
	mb, err := json.Marshal(m)
	if err != nil {
		return nil, err
	}
	man := bytesBlob(mb)
	desc := v1.Descriptor{MediaType: m.MediaType, Size: man.Size, Digest: sha256Hash(mb)}
	if refName != "" {
		desc.Annotations = map[string]string{annotationRefName: refName}
	}
	idx := v1.IndexManifest{SchemaVersion: 2, MediaType: types.OCIImageIndex, Manifests: []v1.Descriptor{desc}}
	ib, err := json.Marshal(idx)
	if err != nil {
		return nil, err
	}
	if err := fs.put(ctx, "oci-layout", bytesBlob([]byte(`{"imageLayoutVersion":"1.0.0"}`))); err != nil {
		return nil, err
	}
	if err := fs.put(ctx, "index.json", bytesBlob(ib)); err != nil {
		return nil, err
	}
	for _, d := range []string{"blobs", "blobs/sha256"} {
		if err := fs.mkdir(d); err != nil {
			return nil, err
		}
	}
	w := &Written{Digest: desc.Digest.String(), ConfigDigest: cfg.Digest, Size: man.Size + cfg.Size}
	seen := map[string]bool{}
	for _, b := range append([]Blob{man, cfg}, out.Layers...) {
		if seen[b.Digest] {
			continue
		}
		seen[b.Digest] = true
		h, _ := v1.NewHash(b.Digest)
		if h.Algorithm != "sha256" {
			return nil, fmt.Errorf("blob %s: OCI layouts written here hold sha256 blobs only", b.Digest)
		}
		if err := fs.put(ctx, "blobs/sha256/"+h.Hex, b); err != nil {
			return nil, err
		}
	}
	for _, b := range out.Layers {
		w.Size += b.Size
	}
	return w, nil
}

// writeDockerArchive writes docker save's layout: manifest.json, the config
// as HEX.json and each layer as HEX.tar (or .tar.gz, .tar.zst).
func writeDockerArchive(ctx context.Context, fs fileSet, out *Output, tags []string) (*Written, error) {
	cfg := bytesBlob(out.RawConfig)
	cfgDigest, _ := v1.NewHash(cfg.Digest)
	entry := archiveManifest{Config: cfgDigest.Hex + ".json", RepoTags: tags}
	derived := v1.Manifest{
		SchemaVersion: 2,
		MediaType:     types.DockerManifestSchema2,
		Config:        v1.Descriptor{MediaType: types.DockerConfigJSON, Size: cfg.Size, Digest: cfgDigest},
	}
	for _, b := range out.Layers {
		h, _ := v1.NewHash(b.Digest)
		mt, ext := archiveLayerType(b.MediaType)
		entry.Layers = append(entry.Layers, h.Hex+ext)
		derived.Layers = append(derived.Layers, v1.Descriptor{MediaType: mt, Size: b.Size, Digest: h})
	}
	mb, err := json.Marshal([]archiveManifest{entry})
	if err != nil {
		return nil, err
	}
	if err := fs.put(ctx, "manifest.json", bytesBlob(mb)); err != nil {
		return nil, err
	}
	if err := fs.put(ctx, entry.Config, cfg); err != nil {
		return nil, err
	}
	w := &Written{ConfigDigest: cfg.Digest, Size: cfg.Size + int64(len(mb))}
	seen := map[string]bool{}
	for i, b := range out.Layers {
		w.Size += b.Size
		if seen[entry.Layers[i]] {
			continue
		}
		seen[entry.Layers[i]] = true
		if err := fs.put(ctx, entry.Layers[i], b); err != nil {
			return nil, err
		}
	}
	db, err := json.Marshal(derived)
	if err != nil {
		return nil, err
	}
	w.Digest = sha256Hash(db).String()
	return w, nil
}

// archiveLayerType is the media type Open derives for a docker-archive
// layer of this type, and the file name extension that says it.
func archiveLayerType(mt string) (types.MediaType, string) {
	switch types.MediaType(mt) {
	case types.DockerLayer, types.OCILayer, types.OCIRestrictedLayer:
		return types.DockerLayer, ".tar.gz"
	case types.OCILayerZStd, "application/vnd.oci.image.layer.nondistributable.v1.tar+zstd":
		return types.OCILayerZStd, ".tar.zst"
	}
	return types.DockerUncompressedLayer, ".tar"
}

// validTags keeps the tags docker load and podman load accept.
func validTags(tags []string) []string {
	var out []string
	for _, t := range tags {
		if _, err := name.NewTag(t, name.WeakValidation); err == nil {
			out = append(out, t)
		}
	}
	return out
}

func (s *Sink) writeLayoutDir(ctx context.Context, out *Output) (*Written, error) {
	dir, err := os.MkdirTemp(filepath.Dir(s.path), "."+s.baseName()+".tmp-*")
	if err != nil {
		return nil, err
	}
	s.stage = dir
	if err := os.Chmod(dir, 0o755); err != nil {
		return nil, err
	}
	w, err := writeLayout(ctx, dirSet{dir}, out, s.ref)
	if err != nil {
		return nil, err
	}
	w.Reference = "oci:" + dir
	return w, nil
}

func (s *Sink) writeArchive(ctx context.Context, out *Output, oci bool) (*Written, error) {
	f, err := os.CreateTemp(filepath.Dir(s.path), "."+s.baseName()+".tmp-*")
	if err != nil {
		return nil, err
	}
	s.stage = f.Name()
	tw := tar.NewWriter(f)
	var w *Written
	if oci {
		w, err = writeLayout(ctx, tarSet{tw}, out, s.ref)
	} else {
		tags := validTags(out.Tags)
		if s.ref != "" {
			if tags = validTags([]string{s.ref}); len(tags) == 0 {
				err = fmt.Errorf("tag %q is not a valid image name", s.ref)
			}
		}
		if err == nil {
			w, err = writeDockerArchive(ctx, tarSet{tw}, out, tags)
		}
	}
	if err == nil {
		err = tw.Close()
	}
	if err == nil {
		err = os.Chmod(f.Name(), 0o644)
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, err
	}
	w.Reference = s.kind + ":" + f.Name()
	return w, nil
}
