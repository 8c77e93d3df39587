package squash_test

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/shipshape-dev/shipshape/image"
	"github.com/shipshape-dev/shipshape/squash"
)

// ent is one tar entry of a synthetic layer.
type ent struct {
	hdr  tar.Header
	body string
}

func dir(name string, mode int64) ent {
	return ent{hdr: tar.Header{Typeflag: tar.TypeDir, Name: name + "/", Mode: mode, ModTime: t0}}
}

func file(name, body string) ent {
	return ent{hdr: tar.Header{Typeflag: tar.TypeReg, Name: name, Mode: 0o644, Size: int64(len(body)), ModTime: t0}, body: body}
}

func hardlink(name, target string) ent {
	return ent{hdr: tar.Header{Typeflag: tar.TypeLink, Name: name, Linkname: target, Mode: 0o644, ModTime: t0}}
}

func symlink(name, target string) ent {
	return ent{hdr: tar.Header{Typeflag: tar.TypeSymlink, Name: name, Linkname: target, Mode: 0o777, ModTime: t0}}
}

func whiteout(p string) ent {
	d, b := filepath.Split(p)
	return file(d+".wh."+b, "")
}

func opaque(d string) ent { return file(d+"/.wh..wh..opq", "") }

var t0 = time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC)

func layerTar(t testing.TB, ents []ent) []byte {
	t.Helper()
	var b bytes.Buffer
	tw := tar.NewWriter(&b)
	for _, e := range ents {
		h := e.hdr
		if err := tw.WriteHeader(&h); err != nil {
			t.Fatalf("%s: %v", h.Name, err)
		}
		if _, err := io.WriteString(tw, e.body); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// writeArchive writes a docker-archive whose layers hold ents, one history
// entry per layer (created_by "layer N", a day apart) and a runtime config
// squash must keep.
func writeArchive(t testing.TB, dir string, layerEnts ...[]ent) string {
	t.Helper()
	var diffIDs, names []string
	var hist []map[string]any
	files := map[string][]byte{}
	for i, ents := range layerEnts {
		b := layerTar(t, ents)
		d := fmt.Sprintf("%x", sha256.Sum256(b))
		diffIDs = append(diffIDs, "sha256:"+d)
		names = append(names, d+".tar")
		files[d+".tar"] = b
		hist = append(hist, map[string]any{"created": t0.Add(time.Duration(i) * time.Minute).Format(time.RFC3339), "created_by": fmt.Sprintf("RUN layer %d", i)})
	}
	cfg := map[string]any{
		"architecture": "amd64", "os": "linux", "created": t0.Format(time.RFC3339),
		"config": map[string]any{
			"Env": []string{"PATH=/bin", "LANG=de_DE.UTF-8"}, "Cmd": []string{"sh"}, "Entrypoint": []string{"/bin/entry"},
			"User": "app", "WorkingDir": "/app", "ExposedPorts": map[string]any{"80/tcp": map[string]any{}},
			"Volumes": map[string]any{"/data": map[string]any{}}, "Labels": map[string]string{"a": "b"},
			"StopSignal": "SIGTERM", "OnBuild": []string{"RUN true"}, "Shell": []string{"/bin/sh", "-c"},
			"Healthcheck": map[string]any{"Test": []string{"CMD", "true"}, "Interval": 1000000000},
		},
		"rootfs":          map[string]any{"type": "layers", "diff_ids": diffIDs},
		"history":         hist,
		"x-unknown-field": "kept",
	}
	cb, err := json.Marshal(cfg)
	if err != nil {
		t.Fatal(err)
	}
	cd := fmt.Sprintf("%x", sha256.Sum256(cb))
	files[cd+".json"] = cb
	mb, _ := json.Marshal([]map[string]any{{"Config": cd + ".json", "RepoTags": []string{"example.com/synthetic:1"}, "Layers": names}})
	files["manifest.json"] = mb
	p := filepath.Join(dir, "in.tar")
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	tw := tar.NewWriter(f)
	for _, n := range append([]string{"manifest.json", cd + ".json"}, names...) {
		if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: n, Mode: 0o644, Size: int64(len(files[n]))}); err != nil {
			t.Fatal(err)
		}
		tw.Write(files[n])
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	f.Close()
	return p
}

func open(t testing.TB, ref string) *image.Image {
	t.Helper()
	img, err := image.Open(context.Background(), ref, image.Options{Insecure: true})
	if err != nil {
		t.Fatalf("opening %s: %v", ref, err)
	}
	t.Cleanup(func() { img.Close() })
	return img
}

func run(t testing.TB, in, out string, opts squash.Options) *squash.Result {
	t.Helper()
	res, err := tryRun(in, out, opts)
	if err != nil {
		t.Fatalf("squash %s -> %s: %v", in, out, err)
	}
	return res
}

func tryRun(in, out string, opts squash.Options) (*squash.Result, error) {
	img, err := image.Open(context.Background(), in, image.Options{Insecure: true})
	if err != nil {
		return nil, err
	}
	defer img.Close()
	opts.Output = out
	opts.Sink.Insecure = true
	opts.Open.Insecure = true
	return squash.Squash(context.Background(), img, opts)
}

// tarEntry is one entry of a layer as read back.
type tarEntry struct {
	hdr  *tar.Header
	body string
}

// lastLayer reads the top layer of ref, entry by entry.
func lastLayer(t testing.TB, ref string) []tarEntry {
	t.Helper()
	img := open(t, ref)
	l := img.Layers[len(img.Layers)-1]
	rc, err := l.Open(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	var out []tarEntry
	tr := tar.NewReader(rc)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(tr)
		out = append(out, tarEntry{h, string(b)})
	}
	io.Copy(io.Discard, rc)
	return out
}

func names(es []tarEntry) string {
	var n []string
	for _, e := range es {
		s := e.hdr.Name
		if e.hdr.Linkname != "" {
			s += " -> " + e.hdr.Linkname
		}
		n = append(n, s)
	}
	return strings.Join(n, "\n")
}

func find(es []tarEntry, name string) *tarEntry {
	for i := range es {
		if strings.TrimSuffix(es[i].hdr.Name, "/") == name {
			return &es[i]
		}
	}
	return nil
}

// checkOrder asserts what unpackers need of a layer tar: a directory
// before anything inside it (when the layer holds it), a hard link after
// its target (when the layer holds it), and no path twice.
func checkOrder(t testing.TB, es []tarEntry) {
	t.Helper()
	seen := map[string]bool{}
	has := map[string]bool{}
	for _, e := range es {
		has[strings.TrimSuffix(e.hdr.Name, "/")] = true
	}
	for _, e := range es {
		n := strings.TrimSuffix(e.hdr.Name, "/")
		if seen[n] {
			t.Errorf("%s is written twice", n)
		}
		for d := filepath.Dir(n); d != "."; d = filepath.Dir(d) {
			if has[d] && !seen[d] {
				t.Errorf("%s comes before its directory %s", n, d)
			}
		}
		if e.hdr.Typeflag == tar.TypeLink && has[e.hdr.Linkname] && !seen[e.hdr.Linkname] {
			t.Errorf("hard link %s comes before its target %s", n, e.hdr.Linkname)
		}
		seen[n] = true
	}
}
