package image_test

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/shipshape-dev/shipshape/image"
	"github.com/shipshape-dev/shipshape/internal/testimages"
)

// copyTo writes img unchanged to dest through a sink and commits it.
func copyTo(t *testing.T, img *image.Image, dest string) *image.Written {
	t.Helper()
	ctx := context.Background()
	s, err := image.CreateSink(dest, image.SinkOptions{Insecure: true, Inputs: []string{img.Reference}})
	if err != nil {
		t.Fatalf("CreateSink(%q): %v", dest, err)
	}
	defer s.Abort()
	out := &image.Output{RawConfig: img.RawConfig, Tags: img.Tags, OCI: strings.HasPrefix(img.Layers[0].MediaType, "application/vnd.oci")}
	for _, l := range img.Layers {
		out.Layers = append(out.Layers, l.Blob())
	}
	staged, err := s.Write(ctx, out)
	if err != nil {
		t.Fatalf("writing %s: %v", dest, err)
	}
	if got := conform(t, staged.Reference, strings.SplitN(staged.Reference, ":", 2)[0], image.Options{Insecure: true}); got.configDigest != staged.ConfigDigest {
		t.Errorf("staged %s: config %s, Write says %s", staged.Reference, got.configDigest, staged.ConfigDigest)
	}
	w, err := s.Commit(ctx)
	if err != nil {
		t.Fatalf("committing %s: %v", dest, err)
	}
	return w
}

// Every sink writes an image every source reads back the same: config,
// diffIDs, layer streams, and blobs with the digests they had.
func TestSinkConformance(t *testing.T) {
	testimages.Require(t, "buildah", "skopeo", "docker-registry")
	b := testimages.Build(t, testimages.HardLinks)
	host := testimages.Registry(t)
	for _, in := range []string{"docker-archive:" + b.DockerArchive, "oci-archive:" + b.OCIArchive, "oci-archive:" + b.ZstdArchive} {
		src, err := image.Open(context.Background(), in, image.Options{})
		if err != nil {
			t.Fatal(err)
		}
		want := conform(t, in, src.Source, image.Options{})
		dir := t.TempDir()
		for _, dest := range []string{
			"docker-archive:" + filepath.Join(dir, "out.tar") + ":localhost/copy:1",
			"oci-archive:" + filepath.Join(dir, "out.oci.tar") + ":copy",
			"oci:" + filepath.Join(dir, "layout") + ":copy",
			"docker://" + host + "/copy:" + src.Source,
		} {
			w := copyTo(t, src, dest)
			back, err := image.Open(context.Background(), w.Reference, image.Options{Insecure: true})
			if err != nil {
				t.Fatalf("%s: %v", w.Reference, err)
			}
			got := conform(t, w.Reference, back.Source, image.Options{Insecure: true})
			agree(t, in+" -> "+dest, []string{in, w.Reference}, []summary{want, got}, true)
			if back.Digest != w.Digest {
				t.Errorf("%s: reopened digest %s, Write says %s", dest, back.Digest, w.Digest)
			}
			for i, l := range back.Layers {
				if l.Digest != src.Layers[i].Digest {
					t.Errorf("%s: layer %d blob %s, was %s", dest, i, l.Digest, src.Layers[i].Digest)
				}
			}
			if strings.HasPrefix(dest, "docker-archive:") && (len(back.Tags) != 1 || back.Tags[0] != "localhost/copy:1") {
				t.Errorf("%s: tags %v", dest, back.Tags)
			}
			back.Close()
		}
		src.Close()
		assertOnly(t, dir, "out.tar", "out.oci.tar", "layout")
	}
}

func assertOnly(t *testing.T, dir string, names ...string) {
	t.Helper()
	ents, _ := os.ReadDir(dir)
	for _, e := range ents {
		ok := false
		for _, n := range names {
			ok = ok || n == e.Name()
		}
		if !ok {
			t.Errorf("left behind in %s: %s", dir, e.Name())
		}
	}
}

// Abort removes what Write staged; bad destinations are refused before
// anything is written.
func TestSinkAbortAndRefusals(t *testing.T) {
	testimages.Require(t, "buildah")
	b := testimages.Build(t, testimages.Whiteouts)
	src, err := image.Open(context.Background(), "oci:"+b.OCIDir, image.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	dir := t.TempDir()
	for _, dest := range []string{"oci:" + filepath.Join(dir, "l"), "oci-archive:" + filepath.Join(dir, "a.tar"), filepath.Join(dir, "d.tar")} {
		s, err := image.CreateSink(dest, image.SinkOptions{})
		if err != nil {
			t.Fatal(err)
		}
		f, err := s.TempFile()
		if err != nil {
			t.Fatal(err)
		}
		f.Close()
		out := &image.Output{RawConfig: src.RawConfig}
		for _, l := range src.Layers {
			out.Layers = append(out.Layers, l.Blob())
		}
		if _, err := s.Write(context.Background(), out); err != nil {
			t.Fatal(err)
		}
		s.Abort()
	}
	assertOnly(t, dir)

	if err := os.WriteFile(filepath.Join(dir, "file"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	inputs := []string{"oci:" + b.OCIDir, b.DockerArchive}
	for _, c := range []struct{ dest, want string }{
		{"oci:" + filepath.Join(b.OCIDir, "inner"), "inside the input"},
		{"oci-archive:" + filepath.Join(b.OCIDir, "blobs", "x.tar"), "inside the input"},
		{"docker-archive:" + b.DockerArchive, "is the input"},
		{"oci:" + filepath.Dir(b.OCIDir), "not empty"},
		{"oci:" + filepath.Join(dir, "file"), "not a directory"},
		{"oci-archive:" + dir, "is a directory"},
		{"docker-archive:" + filepath.Join(dir, "no", "such.tar"), "no such file"},
		{"ftp:x", "name a transport"},
		{"docker://UPPER/case", "parsing reference"},
	} {
		_, err := image.CreateSink(c.dest, image.SinkOptions{Inputs: inputs})
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want %q", c.dest, err, c.want)
		}
	}
}

// OpenBlob hands out the stored bytes and checks them against the digest.
func TestOpenBlobDetectsDamage(t *testing.T) {
	testimages.Require(t, "buildah")
	b := testimages.Build(t, testimages.Overwrites)
	dir := filepath.Join(t.TempDir(), "oci")
	if err := os.CopyFS(dir, os.DirFS(b.OCIDir)); err != nil {
		t.Fatal(err)
	}
	img, err := image.Open(context.Background(), "oci:"+dir, image.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer img.Close()
	l := img.Layers[len(img.Layers)-1]
	p := filepath.Join(dir, "blobs", "sha256", strings.TrimPrefix(l.Digest, "sha256:"))
	raw, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	raw[len(raw)/2] ^= 0xff
	if err := os.WriteFile(p, raw, 0o644); err != nil {
		t.Fatal(err)
	}
	rc, err := l.OpenBlob(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	_, err = io.Copy(io.Discard, rc)
	if !errors.Is(err, image.ErrDigestMismatch) || !strings.Contains(err.Error(), "layer ") {
		t.Errorf("damaged blob: %v", err)
	}
}
