package image_test

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/shipshape-dev/shipshape/image"
)

// fuzzOpts keep hostile inputs cheap to reject.
var fuzzOpts = image.Options{MaxManifestBytes: 1 << 16, MaxConfigBytes: 1 << 16, MaxExpansion: 10, ExpansionFloor: 1 << 20}

// openAndDrain must never panic, hang or allocate without bound, whatever
// the file holds; errors are expected.
func openAndDrain(t *testing.T, ref string) {
	ctx := context.Background()
	img, err := image.Open(ctx, ref, fuzzOpts)
	if err != nil {
		return
	}
	defer img.Close()
	_ = img.EachLayer(ctx, 2, func(l *image.Layer, r io.Reader) error {
		_, err := io.Copy(io.Discard, r)
		return err
	})
}

// FuzzOpenArchive writes arbitrary bytes as an archive and opens it every way.
func FuzzOpenArchive(f *testing.F) {
	for _, n := range []string{"test-oci-gzip-image.tar", "test-oci-zstd-image.tar", "test-oci-uncompressed-image.tar"} {
		if b, err := os.ReadFile(filepath.Join("../../shared/fixtures/dive", n)); err == nil {
			f.Add(b)
		}
	}
	docker, err := os.ReadFile(dockerArchive(f, []string{"a:1"}, plainLayer(f, content)))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(docker)
	var o ociLayout
	oci, err := os.ReadFile(o.archive(f, o.image(f, nil, gzipLayer(f, content))))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(oci)
	f.Fuzz(func(t *testing.T, data []byte) {
		p := filepath.Join(t.TempDir(), "a.tar")
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		openAndDrain(t, p)
		openAndDrain(t, "docker-archive:"+p)
		openAndDrain(t, "oci-archive:"+p)
	})
}

// FuzzArchiveManifests keeps a valid archive around arbitrary manifest.json
// and index.json documents, reaching the parsers and the image selection
// that random tar bytes rarely get to.
func FuzzArchiveManifests(f *testing.F) {
	var o ociLayout
	l := gzipLayer(f, content)
	d := o.image(f, nil, l)
	f.Add([]byte(`[{"Config":"blobs/sha256/`+d.Digest.Hex+`","RepoTags":["a:1"],"Layers":["blobs/sha256/`+hashOf(l.blob).Hex+`"]}]`),
		mustJSON(f, map[string]any{"schemaVersion": 2, "manifests": []any{d}}))
	f.Add([]byte(`[]`), []byte(`{"manifests":[{"digest":"sha256:`+d.Digest.Hex+`","size":-1}]}`))
	f.Fuzz(func(t *testing.T, manifest, index []byte) {
		files := append([]tarFile{
			{"oci-layout", []byte(`{"imageLayoutVersion":"1.0.0"}`)},
			{"manifest.json", manifest},
			{"index.json", index},
		}, o.files...)
		p := writeFile(t, "m.tar", tarBytes(t, files))
		openAndDrain(t, "docker-archive:"+p)
		openAndDrain(t, "oci-archive:"+p)
		openAndDrain(t, "oci-archive:"+p+":@0")
	})
}
