package squash_test

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/shipshape-dev/shipshape/image"
	"github.com/shipshape-dev/shipshape/internal/testimages"
	"github.com/shipshape-dev/shipshape/squash"
)

func TestMain(m *testing.M) { os.Exit(testimages.RunTests(m)) }

// squashChecked squashes in to an oci-archive and a docker-archive and
// checks, with tools that share no code with shipshape, that the result
// is the same filesystem: skopeo reads it, podman loads it, buildah runs
// the same listing in both, umoci unpacks the same tree. It returns the
// oci-archive reference and the result.
func squashChecked(t *testing.T, in, unpackable string, opts squash.Options, removed func(string) bool) (string, *squash.Result) {
	t.Helper()
	dir := t.TempDir()
	ociOut := "oci-archive:" + filepath.Join(dir, "squashed.tar")
	res := run(t, in, ociOut, opts)
	if res.Verification == nil {
		t.Fatal("not verified")
	}
	src, out := open(t, in), open(t, ociOut)
	for i := 0; i < res.Base.Layers; i++ {
		if out.Layers[i].Digest != src.Layers[i].Digest {
			t.Errorf("base layer %d is %s, was %s", i, out.Layers[i].Digest, src.Layers[i].Digest)
		}
	}
	if got := skopeoLayers(t, ociOut); len(got) != len(out.Layers) || got[len(got)-1] != out.Layers[len(out.Layers)-1].Digest {
		t.Errorf("skopeo reads layers %v", got)
	}
	again := run(t, in, "oci-archive:"+filepath.Join(dir, "again.tar"), opts)
	if again.Digest != res.Digest {
		t.Errorf("same input, different digests: %s then %s", res.Digest, again.Digest)
	}
	checkOrder(t, lastLayer(t, ociOut))

	dockerOut := filepath.Join(dir, "squashed.docker.tar")
	run(t, in, "docker-archive:"+dockerOut+":localhost/squashed:test", opts)
	st := newStore(t)
	if msg := st.podmanLoad(t, dockerOut); !strings.Contains(msg, "localhost/squashed:test") {
		t.Errorf("podman load says %q", msg)
	}
	sameTree(t, treeOf(t, unpack(t, unpackable)), treeOf(t, unpack(t, ociOut)), removed)
	if hasShell(t, src) {
		want := st.buildahRun(t, unpackable, listing)
		got := st.buildahRun(t, ociOut, listing)
		if removed == nil && want != got {
			t.Errorf("buildah run lists differently (- original, + squashed):\n%s", lineDiff(want, got))
		}
	}
	return ociOut, res
}

func hasShell(t *testing.T, img *image.Image) bool {
	for _, h := range img.Config.History {
		if strings.Contains(h.CreatedBy, "/bin/sh") || strings.Contains(h.CreatedBy, "busybox") {
			return true
		}
	}
	return false
}

func TestSquashBuiltImages(t *testing.T) {
	testimages.Require(t, "buildah", "skopeo", "podman", "umoci")
	for _, spec := range testimages.All {
		t.Run(spec.Name, func(t *testing.T) {
			b := testimages.Build(t, spec)
			// The Base steps (busybox, its links) are the base: two layers.
			opts := squash.Options{Keep: 2}
			ociOut, res := squashChecked(t, b.DockerArchive, "oci-archive:"+b.OCIArchive, opts, nil)
			if res.Output.Layers != 3 || res.Squashed != res.Input.Layers-2 {
				t.Errorf("layers %d -> %d, squashed %d", res.Input.Layers, res.Output.Layers, res.Squashed)
			}
			// Another source of the same image makes the same new layer.
			for _, other := range []string{"oci-archive:" + b.OCIArchive, "oci-archive:" + b.ZstdArchive, "oci:" + b.OCIDir} {
				r := run(t, other, "oci:"+filepath.Join(t.TempDir(), "o"), opts)
				if r.NewLayer.DiffID != res.NewLayer.DiffID || r.NewLayer.Digest != res.NewLayer.Digest {
					t.Errorf("%s: new layer %s (diffID %s), from the docker archive %s (%s)", other, r.NewLayer.Digest, r.NewLayer.DiffID, res.NewLayer.Digest, res.NewLayer.DiffID)
				}
			}
			if spec.Name == testimages.Secret.Name {
				assertNowhere(t, ociOut, "OPENSSH PRIVATE KEY", "id_ed25519")
			}
			if spec.Name == testimages.Whiteouts.Name && res.Output.PullBytes >= res.Input.PullBytes {
				t.Errorf("pull size %d -> %d: the dead bytes should be gone", res.Input.PullBytes, res.Output.PullBytes)
			}
		})
	}
}

// assertNowhere checks that no layer of ref holds any of the strings, in
// names or contents.
func assertNowhere(t *testing.T, ref string, needles ...string) {
	t.Helper()
	img := open(t, ref)
	for _, l := range img.Layers {
		rc, err := l.Open(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		for _, n := range needles {
			if strings.Contains(string(b), n) {
				t.Errorf("layer %d (%s) still holds %q", l.Index, l.Digest, n)
			}
		}
	}
}

// fixtures returns ../shared/fixtures/dive, skipping when it is absent
// unless SHIPSHAPE_REQUIRE_INTEGRATION=1.
func fixtures(t *testing.T) string {
	t.Helper()
	dir, _ := filepath.Abs("../../shared/fixtures/dive")
	if _, err := os.Stat(dir); err != nil {
		if os.Getenv("SHIPSHAPE_REQUIRE_INTEGRATION") == "1" {
			t.Fatalf("fixtures missing: %v", err)
		}
		t.Skipf("fixtures absent: %v", err)
	}
	return dir
}

func TestSquashDiveFixtures(t *testing.T) {
	testimages.Require(t, "skopeo", "podman", "umoci", "buildah")
	dir := fixtures(t)
	for _, name := range []string{"test-docker-image.tar", "test-kaniko-image.tar", "test-oci-gzip-image.tar", "test-oci-uncompressed-image.tar", "test-oci-zstd-image.tar", "test-oci-estargz-image.tar"} {
		t.Run(strings.TrimSuffix(name, ".tar"), func(t *testing.T) {
			in := filepath.Join(dir, name)
			src := open(t, in)
			ref := "oci-archive:" + in
			if src.Source == "docker-archive" {
				// umoci reads OCI layouts: give it the same image as one.
				ref = "oci-archive:" + filepath.Join(t.TempDir(), "in.oci.tar")
				tool(t, "skopeo", "--insecure-policy", "copy", "--quiet", "docker-archive:"+in, ref)
			}
			squashChecked(t, in, ref, squash.Options{}, nil)
		})
	}
}

func TestSquashRemovesPresets(t *testing.T) {
	testimages.Require(t, "buildah", "skopeo", "podman", "umoci")
	b := testimages.Build(t, testimages.DiveTest)
	removed := func(p string) bool {
		return strings.HasPrefix(p, "tmp/") || p == "somefile.txt" || strings.HasPrefix(p, "root/.data")
	}
	_, res := squashChecked(t, b.DockerArchive, "oci-archive:"+b.OCIArchive,
		squash.Options{Keep: 2, Remove: []string{"tmp", "/somefile.txt", "root/.data"}}, removed)
	if len(res.Removed) != 3 || res.Removed[0].Name != "tmp" || res.Removed[0].Bytes != 6405 || res.Removed[1].Files != 1 {
		t.Errorf("removed %+v", res.Removed)
	}
}

func TestSquashRegistryRoundTrip(t *testing.T) {
	testimages.Require(t, "buildah", "skopeo", "docker-registry")
	b := testimages.Build(t, testimages.HardLinks)
	host := testimages.Registry(t)
	src := b.Push(t, host)
	res := run(t, "docker://"+src, "docker://"+host+"/squashed:v1", squash.Options{Keep: 2})
	if !strings.HasPrefix(res.Reference, "docker://"+host+"/squashed@sha256:") {
		t.Errorf("reference %s", res.Reference)
	}
	for _, ref := range []string{"docker://" + host + "/squashed:v1", res.Reference} {
		back := open(t, ref)
		if back.Digest != res.Digest {
			t.Errorf("%s: pulled back %s, pushed %s", ref, back.Digest, res.Digest)
		}
	}
	if got := skopeoLayers(t, "docker://"+host+"/squashed:v1"); len(got) != 3 {
		t.Errorf("skopeo sees %d layers", len(got))
	}
	// The same squash from an archive gives the same new layer; pushing it
	// over the tag again moves nothing but the tag.
	again := run(t, "oci-archive:"+b.OCIArchive, "docker://"+host+"/squashed:v1", squash.Options{Keep: 2})
	if again.NewLayer.Digest != res.NewLayer.Digest {
		t.Errorf("new layer %s from the archive, %s from the registry", again.NewLayer.Digest, res.NewLayer.Digest)
	}
	if out := open(t, "docker://"+host+"/squashed:v1"); out.Digest != again.Digest {
		t.Errorf("tag points at %s, want %s", out.Digest, again.Digest)
	}
}

// A daemon streams its export front to back; squash reads what it needs
// of it again and makes the same new layer as from the archive.
func TestSquashFromDaemon(t *testing.T) {
	testimages.Require(t, "buildah", "podman")
	b := testimages.Build(t, testimages.Overwrites)
	t.Setenv("DOCKER_HOST", testimages.Daemon(t, b))
	want := run(t, b.DockerArchive, "oci:"+filepath.Join(t.TempDir(), "a"), squash.Options{Keep: 2})
	got := run(t, "docker-daemon:"+b.Tag, "oci:"+filepath.Join(t.TempDir(), "d"), squash.Options{Keep: 2})
	if got.NewLayer.DiffID != want.NewLayer.DiffID || got.NewLayer.Digest != want.NewLayer.Digest || got.Verification == nil {
		t.Errorf("from the daemon: new layer %s (diffID %s), from the archive %s (%s)", got.NewLayer.Digest, got.NewLayer.DiffID, want.NewLayer.Digest, want.NewLayer.DiffID)
	}
}
