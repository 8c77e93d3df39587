package squash

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/shipshape-dev/shipshape/image"
	"github.com/shipshape-dev/shipshape/layers"
)

// writeImage writes a docker-archive with one layer per map (path → content).
func writeImage(t *testing.T, path string, files ...map[string]string) string {
	t.Helper()
	out := &image.Output{}
	var diffIDs []string
	for _, fs := range files {
		var b bytes.Buffer
		tw := tar.NewWriter(&b)
		for _, name := range []string{"etc", "etc/a", "etc/b"} {
			body, ok := fs[name]
			if !ok {
				continue
			}
			h := &tar.Header{Typeflag: tar.TypeReg, Name: name, Mode: 0o644, Size: int64(len(body)), ModTime: time.Unix(1, 0)}
			if name == "etc" {
				h = &tar.Header{Typeflag: tar.TypeDir, Name: "etc/", Mode: 0o755, ModTime: time.Unix(1, 0)}
			}
			tw.WriteHeader(h)
			io.WriteString(tw, body)
		}
		tw.Close()
		raw := b.Bytes()
		d := fmt.Sprintf("sha256:%x", sha256.Sum256(raw))
		diffIDs = append(diffIDs, d)
		out.Layers = append(out.Layers, image.Blob{Digest: d, DiffID: d, MediaType: "application/vnd.docker.image.rootfs.diff.tar", Size: int64(len(raw)),
			Open: func(context.Context) (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(raw)), nil }})
	}
	cfg, _ := json.Marshal(map[string]any{"os": "linux", "architecture": "amd64", "rootfs": map[string]any{"type": "layers", "diff_ids": diffIDs}})
	out.RawConfig = cfg
	s, err := image.CreateSink("docker-archive:"+path, image.SinkOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Write(context.Background(), out); err != nil {
		t.Fatal(err)
	}
	w, err := s.Commit(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return w.Reference
}

func sum(s string) contentSum {
	h := newContentHash()
	h.WriteString(s)
	return h.Sum64()
}

// verify must catch what a faulty writer would do: wrong content, a lost
// path, an extra one.
func TestVerifyCatchesDifferences(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	in := writeImage(t, filepath.Join(dir, "in.tar"), map[string]string{"etc": "", "etc/a": "base"}, map[string]string{"etc/a": "mine", "etc/b": "b"})
	img, err := image.Open(ctx, in, image.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer img.Close()
	res, err := Squash(ctx, img, Options{Output: "oci:" + filepath.Join(dir, "out"), Keep: 1})
	if err != nil {
		t.Fatal(err)
	}
	// Read the input again as Squash does and check the output against it,
	// tampered with in three ways.
	im, err := layers.Read(ctx, img, layers.Options{})
	if err != nil {
		t.Fatal(err)
	}
	fin := im.Merge()
	base := (&layers.Image{Layers: im.Layers[:1]}).Merge()
	a := layers.Ref{Layer: 1, Entry: 0}
	good := map[layers.Ref]contentSum{a: sum("mine"), {Layer: 1, Entry: 1}: sum("b")}
	check := func(name string, tr *tree, hashes map[layers.Ref]contentSum, want string) {
		t.Helper()
		_, err := verify(ctx, res.Reference, image.Options{}, tr, fin, hashes, true, 2, 1000)
		switch {
		case want == "" && err != nil:
			t.Errorf("%s: %v", name, err)
		case want != "" && (!errors.Is(err, ErrVerify) || !strings.Contains(fmt.Sprint(err), want)):
			t.Errorf("%s: error %v, want %q", name, err, want)
		}
	}
	check("untouched", newTree(im, 1, base, fin), good, "")
	bad := map[layers.Ref]contentSum{a: sum("other"), {Layer: 1, Entry: 1}: good[layers.Ref{Layer: 1, Entry: 1}]}
	check("content", newTree(im, 1, base, fin), bad, "/etc/a: content differs")
	tr := newTree(im, 1, base, fin)
	tr.lookup("etc/b").removed = true
	check("extra path", tr, good, "/etc/b: in the output but not in the input")
	tr = newTree(im, 1, base, fin)
	tr.insert("etc/c").inFin = true
	check("lost path", tr, good, "/etc/c: missing from the output")
}
