package image_test

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// Small images written by the tests themselves, for the cases real tools
// never produce: broken, hostile or exotic archives.

type tarFile struct {
	name string
	data []byte
}

func tarBytes(t testing.TB, files []tarFile) []byte {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, f := range files {
		if err := tw.WriteHeader(&tar.Header{Name: f.name, Mode: 0o644, Size: int64(len(f.data)), Typeflag: tar.TypeReg}); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write(f.data); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func gzipBytes(t testing.TB, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if _, err := zw.Write(b); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func hashOf(b []byte) v1.Hash {
	h := sha256.Sum256(b)
	return v1.Hash{Algorithm: "sha256", Hex: hex.EncodeToString(h[:])}
}

func mustJSON(t testing.TB, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func writeFile(t testing.TB, name string, b []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// layer is one layer to write: its uncompressed tar and the blob stored.
type layer struct {
	tar       []byte
	blob      []byte
	mediaType types.MediaType
}

func plainLayer(t testing.TB, files ...tarFile) layer {
	b := tarBytes(t, files)
	return layer{tar: b, blob: b, mediaType: types.OCIUncompressedLayer}
}

func gzipLayer(t testing.TB, files ...tarFile) layer {
	b := tarBytes(t, files)
	return layer{tar: b, blob: gzipBytes(t, b), mediaType: types.OCILayer}
}

// ociLayout collects the files of an OCI image layout.
type ociLayout struct {
	files []tarFile
	have  map[v1.Hash]bool
}

func (o *ociLayout) blob(b []byte, mt types.MediaType) v1.Descriptor {
	h := hashOf(b)
	if o.have == nil {
		o.have = map[v1.Hash]bool{}
	}
	if !o.have[h] {
		o.have[h] = true
		o.files = append(o.files, tarFile{"blobs/sha256/" + h.Hex, b})
	}
	return v1.Descriptor{MediaType: mt, Size: int64(len(b)), Digest: h}
}

// image adds a config and manifest for layers and returns the manifest's
// descriptor, carrying platform when given.
func (o *ociLayout) image(t testing.TB, platform *v1.Platform, layers ...layer) v1.Descriptor {
	t.Helper()
	cfg := v1.ConfigFile{OS: "linux", Architecture: "amd64", RootFS: v1.RootFS{Type: "layers"}}
	if platform != nil {
		cfg.OS, cfg.Architecture, cfg.Variant = platform.OS, platform.Architecture, platform.Variant
	}
	m := v1.Manifest{SchemaVersion: 2, MediaType: types.OCIManifestSchema1}
	for _, l := range layers {
		cfg.RootFS.DiffIDs = append(cfg.RootFS.DiffIDs, hashOf(l.tar))
		m.Layers = append(m.Layers, o.blob(l.blob, l.mediaType))
	}
	m.Config = o.blob(mustJSON(t, cfg), types.OCIConfigJSON)
	d := o.blob(mustJSON(t, m), types.OCIManifestSchema1)
	d.Platform = platform
	return d
}

// archive writes the layout with index.json listing descs.
func (o *ociLayout) archive(t testing.TB, descs ...v1.Descriptor) string {
	t.Helper()
	idx := v1.IndexManifest{SchemaVersion: 2, MediaType: types.OCIImageIndex, Manifests: descs}
	files := append([]tarFile{
		{"oci-layout", []byte(`{"imageLayoutVersion":"1.0.0"}`)},
		{"index.json", mustJSON(t, idx)},
	}, o.files...)
	return writeFile(t, "oci.tar", tarBytes(t, files))
}

// dockerArchive writes a legacy docker save archive of uncompressed layers.
func dockerArchive(t testing.TB, tags []string, layers ...layer) string {
	t.Helper()
	cfg := v1.ConfigFile{OS: "linux", Architecture: "amd64", RootFS: v1.RootFS{Type: "layers"}}
	var files []tarFile
	var paths []string
	for i, l := range layers {
		cfg.RootFS.DiffIDs = append(cfg.RootFS.DiffIDs, hashOf(l.tar))
		p := filepath.Join(string(rune('a'+i))+"0000", "layer.tar")
		paths = append(paths, p)
		files = append(files, tarFile{p, l.blob})
	}
	raw := mustJSON(t, cfg)
	cfgName := hashOf(raw).Hex + ".json"
	files = append(files, tarFile{cfgName, raw})
	m := []map[string]any{{"Config": cfgName, "RepoTags": tags, "Layers": paths}}
	files = append(files, tarFile{"manifest.json", mustJSON(t, m)})
	return writeFile(t, "docker.tar", tarBytes(t, files))
}
