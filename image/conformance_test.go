package image_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/shipshape-dev/shipshape/image"
	"github.com/shipshape-dev/shipshape/internal/testimages"
)

func TestMain(m *testing.M) { os.Exit(testimages.RunTests(m)) }

// fixtures returns ../shared/fixtures/dive beside the repository, or skips
// the test when the shared folder is absent.
func fixtures(t testing.TB) string {
	t.Helper()
	dir, err := filepath.Abs("../../shared/fixtures/dive")
	if err == nil {
		if _, err = os.Stat(dir); err == nil {
			return dir
		}
	}
	t.Skipf("shared fixtures absent: %v", err)
	return ""
}

// summary is what every source must agree on for one image.
type summary struct {
	configDigest string
	diffIDs      []string
	streams      []string // sha256 of each layer's uncompressed stream, by index
}

// conform opens ref, checks what holds for every source, and summarises it.
// Layers are read twice: all at once through EachLayer, and one by one
// through Layer.Open, the random-access path.
func conform(t *testing.T, ref, wantSource string, opts image.Options) summary {
	t.Helper()
	ctx := context.Background()
	img, err := image.Open(ctx, ref, opts)
	if err != nil {
		t.Fatalf("Open(%q): %v", ref, err)
	}
	defer img.Close()
	if img.Source != wantSource {
		t.Errorf("%s: source %q, want %q", ref, img.Source, wantSource)
	}
	if img.Reference != ref {
		t.Errorf("%s: reference %q", ref, img.Reference)
	}
	if _, err := v1.NewHash(img.Digest); err != nil {
		t.Errorf("%s: digest %q: %v", ref, img.Digest, err)
	}
	if got := "sha256:" + sha256hex(img.RawConfig); got != img.ConfigDigest {
		t.Errorf("%s: raw config hashes to %s, ConfigDigest is %s", ref, got, img.ConfigDigest)
	}
	if img.Platform == "" || img.Config == nil {
		t.Errorf("%s: platform %q, config %v", ref, img.Platform, img.Config)
	}
	s := summary{configDigest: img.ConfigDigest}
	if len(img.Layers) != len(img.Config.RootFS.DiffIDs) {
		t.Fatalf("%s: %d layers, %d diffIDs", ref, len(img.Layers), len(img.Config.RootFS.DiffIDs))
	}
	for i, l := range img.Layers {
		if l.Index != i || l.DiffID != img.Config.RootFS.DiffIDs[i].String() || l.Digest == "" || l.MediaType == "" || l.Size <= 0 {
			t.Errorf("%s: layer %d: %+v", ref, i, *l)
		}
		s.diffIDs = append(s.diffIDs, l.DiffID)
	}

	s.streams = make([]string, len(img.Layers))
	var mu sync.Mutex
	seen := map[int]int{}
	err = img.EachLayer(ctx, 3, func(l *image.Layer, r io.Reader) error {
		h := sha256.New()
		if _, err := io.Copy(h, r); err != nil {
			return err
		}
		mu.Lock()
		defer mu.Unlock()
		seen[l.Index]++
		s.streams[l.Index] = "sha256:" + hex.EncodeToString(h.Sum(nil))
		return nil
	})
	if err != nil {
		t.Fatalf("%s: EachLayer: %v", ref, err)
	}
	for i := range img.Layers {
		if seen[i] != 1 {
			t.Errorf("%s: EachLayer gave layer %d %d times", ref, i, seen[i])
		}
		if s.streams[i] != s.diffIDs[i] {
			t.Errorf("%s: layer %d streams %s, diffID %s", ref, i, s.streams[i], s.diffIDs[i])
		}
	}
	for _, l := range img.Layers {
		rc, err := l.Open(ctx)
		if err != nil {
			t.Fatalf("%s: layer %d: Open: %v", ref, l.Index, err)
		}
		h := sha256.New()
		_, err = io.Copy(h, rc)
		rc.Close()
		if err != nil {
			t.Fatalf("%s: layer %d: %v", ref, l.Index, err)
		}
		if got := "sha256:" + hex.EncodeToString(h.Sum(nil)); got != s.streams[l.Index] {
			t.Errorf("%s: layer %d: Open streams %s, EachLayer %s", ref, l.Index, got, s.streams[l.Index])
		}
	}
	return s
}

func sha256hex(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

// agree fails unless every summary equals the first.
func agree(t *testing.T, what string, refs []string, sums []summary, compareConfig bool) {
	t.Helper()
	for i := 1; i < len(sums); i++ {
		a, b := sums[0], sums[i]
		if compareConfig && a.configDigest != b.configDigest {
			t.Errorf("%s: config digest of %s is %s, of %s %s", what, refs[i], b.configDigest, refs[0], a.configDigest)
		}
		if fmt.Sprint(a.diffIDs) != fmt.Sprint(b.diffIDs) {
			t.Errorf("%s: diffIDs of %s differ from %s:\n%v\n%v", what, refs[i], refs[0], b.diffIDs, a.diffIDs)
		}
		if fmt.Sprint(a.streams) != fmt.Sprint(b.streams) {
			t.Errorf("%s: layer streams of %s differ from %s", what, refs[i], refs[0])
		}
	}
}

type sourceCase struct {
	name, ref, source string
	opts              image.Options
}

func conformAll(t *testing.T, what string, cases []sourceCase, compareConfig bool) {
	t.Helper()
	var refs []string
	var sums []summary
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			sums = append(sums, conform(t, c.ref, c.source, c.opts))
			refs = append(refs, c.ref)
		})
	}
	if len(sums) == len(cases) {
		agree(t, what, refs, sums, compareConfig)
	}
}

// TestConformance: every source yields the same image, byte for byte.
func TestConformance(t *testing.T) {
	t.Run("fixtures", func(t *testing.T) {
		dir := fixtures(t)
		f := func(n string) string { return filepath.Join(dir, n) }
		// Single-source images: what holds for every source still holds.
		conformAll(t, "docker save", []sourceCase{
			{name: "bare docker save", ref: f("test-docker-image.tar"), source: "docker-archive"},
			{name: "docker save tag", ref: "docker-archive:" + f("test-docker-image.tar") + ":dive-test:latest", source: "docker-archive"},
			{name: "docker save index", ref: "docker-archive:" + f("test-docker-image.tar") + ":@0", source: "docker-archive"},
		}, true)
		conformAll(t, "kaniko", []sourceCase{
			{name: "kaniko", ref: "docker-archive:" + f("test-kaniko-image.tar"), source: "docker-archive"},
		}, true)
		conformAll(t, "estargz", []sourceCase{
			{name: "estargz", ref: f("test-oci-estargz-image.tar"), source: "oci-archive"},
		}, true)
		// One image stored three ways: one config, one uncompressed tar.
		conformAll(t, "oci compressions", []sourceCase{
			{name: "uncompressed", ref: "oci-archive:" + f("test-oci-uncompressed-image.tar"), source: "oci-archive"},
			{name: "gzip", ref: f("test-oci-gzip-image.tar"), source: "oci-archive"},
			{name: "zstd", ref: "oci-archive:" + f("test-oci-zstd-image.tar"), source: "oci-archive"},
		}, true)
	})

	t.Run("multi-platform registry", func(t *testing.T) {
		var o ociLayout
		arm := o.image(t, &v1.Platform{OS: "linux", Architecture: "arm64"}, gzipLayer(t, content))
		s390 := o.image(t, &v1.Platform{OS: "linux", Architecture: "s390x"}, gzipLayer(t, content, tarFile{"s390", []byte("x")}))
		idx := o.blob(mustJSON(t, v1.IndexManifest{SchemaVersion: 2, MediaType: "application/vnd.oci.image.index.v1+json", Manifests: []v1.Descriptor{arm, s390}}), "application/vnd.oci.image.index.v1+json")
		archive := o.archive(t, idx)
		ref := testimages.Registry(t) + "/multi:1"
		testimages.PushArchive(t, archive, ref)
		conformAll(t, "s390x", []sourceCase{
			{name: "archive", ref: archive, source: "oci-archive", opts: image.Options{Platform: "linux/s390x"}},
			{name: "registry", ref: "docker://" + ref, source: "docker", opts: image.Options{Platform: "linux/s390x", Insecure: true}},
		}, true)
		_, err := image.Open(context.Background(), "docker://"+ref, image.Options{Platform: "linux/amd64", Insecure: true})
		wantErr(t, err, "no image for platform linux/amd64", "available: linux/arm64, linux/s390x")
	})

	for _, spec := range []testimages.Spec{testimages.Whiteouts, testimages.Overwrites} {
		t.Run(spec.Name, func(t *testing.T) {
			b := testimages.Build(t, spec)
			host := testimages.Registry(t)
			pushed := b.Push(t, host)
			dockerHost := testimages.Daemon(t, b)
			conformAll(t, spec.Name, []sourceCase{
				{name: "docker-archive", ref: "docker-archive:" + b.DockerArchive, source: "docker-archive"},
				{name: "bare docker archive", ref: b.DockerArchive, source: "docker-archive"},
				{name: "oci-archive", ref: "oci-archive:" + b.OCIArchive + ":" + spec.Name, source: "oci-archive"},
				{name: "bare oci-archive", ref: b.OCIArchive, source: "oci-archive"},
				{name: "oci", ref: "oci:" + b.OCIDir, source: "oci"},
				{name: "bare oci dir", ref: b.OCIDir, source: "oci"},
				{name: "zstd oci-archive", ref: "oci-archive:" + b.ZstdArchive, source: "oci-archive"},
				{name: "registry", ref: "docker://" + pushed, source: "docker", opts: image.Options{Insecure: true}},
				{name: "bare registry ref", ref: pushed, source: "docker", opts: image.Options{Insecure: true}},
				{name: "daemon", ref: "docker-daemon:" + b.Tag, source: "docker-daemon", opts: image.Options{DockerHost: dockerHost}},
			}, true)
		})
	}
}
