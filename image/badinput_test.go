package image_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/shipshape-dev/shipshape/image"
)

// readAll opens ref and streams every layer; it returns the first error.
func readAll(ref string, opts image.Options) error {
	ctx := context.Background()
	img, err := image.Open(ctx, ref, opts)
	if err != nil {
		return err
	}
	defer img.Close()
	return img.EachLayer(ctx, 2, func(*image.Layer, io.Reader) error { return nil })
}

// wantErr fails unless err is set and says every one of the parts.
func wantErr(t *testing.T, err error, parts ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error, want one saying %q", parts)
	}
	t.Log(err)
	for _, p := range parts {
		if !strings.Contains(err.Error(), p) {
			t.Errorf("error %q does not say %q", err, p)
		}
	}
}

// flip changes one byte of the file at the first occurrence of marker.
func flip(t *testing.T, path string, marker []byte) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	i := bytes.Index(b, marker)
	if i < 0 {
		t.Fatalf("%s does not hold %q", path, marker)
	}
	b[i] ^= 0x20
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

var content = tarFile{"etc/motd", bytes.Repeat([]byte("welcome aboard shipshape\n"), 200)}

func TestTruncatedArchive(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(fixtures(t), "test-docker-image.tar"))
	if err != nil {
		t.Fatal(err)
	}
	p := writeFile(t, "cut.tar", b[:len(b)/2])
	_, err = image.Open(context.Background(), p, image.Options{})
	wantErr(t, err, "truncated", "layer.tar")

	var o ociLayout
	d := o.image(t, nil, gzipLayer(t, content))
	full, err := os.ReadFile(o.archive(t, d))
	if err != nil {
		t.Fatal(err)
	}
	p = writeFile(t, "cut-oci.tar", full[:len(full)-1500])
	_, err = image.Open(context.Background(), "oci-archive:"+p, image.Options{})
	wantErr(t, err, "oci-archive")
}

func TestWholeArchiveCompressed(t *testing.T) {
	b, err := os.ReadFile(dockerArchive(t, nil, plainLayer(t, content)))
	if err != nil {
		t.Fatal(err)
	}
	p := writeFile(t, "image.tar.gz", gzipBytes(t, b))
	_, err = image.Open(context.Background(), "docker-archive:"+p, image.Options{})
	wantErr(t, err, "gzip-compressed as a whole", "decompress it first")
	_, err = image.Open(context.Background(), p, image.Options{})
	wantErr(t, err, "gzip-compressed as a whole")
}

func TestDigestMismatch(t *testing.T) {
	cases := map[string]func() string{
		"docker-archive": func() string { return dockerArchive(t, nil, plainLayer(t, content)) },
		"oci uncompressed": func() string {
			var o ociLayout
			return o.archive(t, o.image(t, nil, plainLayer(t, content)))
		},
	}
	for name, mk := range cases {
		t.Run(name, func(t *testing.T) {
			p := mk()
			flip(t, p, []byte("welcome aboard"))
			err := readAll(p, image.Options{})
			if !errors.Is(err, image.ErrDigestMismatch) {
				t.Fatalf("error %v does not wrap ErrDigestMismatch", err)
			}
			wantErr(t, err, "layer 0 (sha256:")
		})
	}
	t.Run("oci gzip", func(t *testing.T) {
		var o ociLayout
		l := gzipLayer(t, content)
		p := o.archive(t, o.image(t, nil, l))
		flip(t, p, l.blob[len(l.blob)/2:len(l.blob)/2+8])
		err := readAll(p, image.Options{})
		if !errors.Is(err, image.ErrDigestMismatch) {
			t.Fatalf("error %v does not wrap ErrDigestMismatch", err)
		}
		wantErr(t, err, "layer 0 (sha256:", "blob hashes to")
	})
	t.Run("config", func(t *testing.T) {
		var o ociLayout
		p := o.archive(t, o.image(t, nil, plainLayer(t, content)))
		flip(t, p, []byte(`"architecture":"amd64"`))
		_, err := image.Open(context.Background(), p, image.Options{})
		if !errors.Is(err, image.ErrDigestMismatch) {
			t.Fatalf("error %v does not wrap ErrDigestMismatch", err)
		}
		wantErr(t, err, "reading config")
	})
}

func TestMissingBlob(t *testing.T) {
	var o ociLayout
	l := gzipLayer(t, content)
	d := o.image(t, nil, l)
	missing := "blobs/sha256/" + hashOf(l.blob).Hex
	var kept []tarFile
	for _, f := range o.files {
		if f.name != missing {
			kept = append(kept, f)
		}
	}
	o.files = kept
	_, err := image.Open(context.Background(), o.archive(t, d), image.Options{})
	wantErr(t, err, "layer 0 (sha256:"+hashOf(l.blob).Hex+")", "missing blob")

	// docker-archive: manifest.json names a layer the archive lacks.
	p := dockerArchive(t, nil, plainLayer(t, content))
	b, _ := os.ReadFile(p)
	b = bytes.Replace(b, []byte(`"a0000/layer.tar"`), []byte(`"gone0/layer.tar"`), 1)
	_, err = image.Open(context.Background(), writeFile(t, "x.tar", b), image.Options{})
	wantErr(t, err, "layer 0", "missing blob", "gone0/layer.tar")
}

func TestCorruptManifest(t *testing.T) {
	ctx := context.Background()
	p := dockerArchive(t, nil, plainLayer(t, content))
	flip(t, p, []byte(`[{"Config"`))
	_, err := image.Open(ctx, p, image.Options{})
	wantErr(t, err, "parsing manifest.json")

	var o ociLayout
	d := o.image(t, nil, plainLayer(t, content))
	p = o.archive(t, d)
	flip(t, p, []byte(`{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index`))
	_, err = image.Open(ctx, p, image.Options{})
	wantErr(t, err, "parsing index.json")

	p = o.archive(t, d)
	flip(t, p, []byte(`"layers":[`))
	_, err = image.Open(ctx, p, image.Options{})
	if !errors.Is(err, image.ErrDigestMismatch) {
		t.Errorf("damaged manifest: %v does not wrap ErrDigestMismatch", err)
	}

	_, err = image.Open(ctx, o.archive(t, d), image.Options{MaxManifestBytes: 100})
	wantErr(t, err, "more than the 100 allowed")
	_, err = image.Open(ctx, o.archive(t, d), image.Options{MaxConfigBytes: 10})
	wantErr(t, err, "reading config", "more than the 10 allowed")
}

func TestGzipBomb(t *testing.T) {
	zeros := tarFile{"zeros", make([]byte, 8<<20)}
	var o ociLayout
	p := o.archive(t, o.image(t, nil, gzipLayer(t, zeros)))
	err := readAll(p, image.Options{MaxExpansion: 10, ExpansionFloor: 1 << 20})
	if !errors.Is(err, image.ErrLayerTooLarge) {
		t.Fatalf("error %v does not wrap ErrLayerTooLarge", err)
	}
	wantErr(t, err, "layer 0 (sha256:", "MaxExpansion")
	// The defaults let a plain 8 MiB layer through, and so does no bound.
	if err := readAll(p, image.Options{}); err != nil {
		t.Errorf("default bound: %v", err)
	}
	if err := readAll(p, image.Options{MaxExpansion: -1, ExpansionFloor: 1}); err != nil {
		t.Errorf("no bound: %v", err)
	}
}

func TestUnknownMediaType(t *testing.T) {
	var o ociLayout
	l := plainLayer(t, content)
	l.mediaType = "application/vnd.example.layer.v1+weird"
	_, err := image.Open(context.Background(), o.archive(t, o.image(t, nil, l)), image.Options{})
	wantErr(t, err, "layer 0 (sha256:", `unknown media type "application/vnd.example.layer.v1+weird"`)
}

func TestUnsupportedCompression(t *testing.T) {
	var o ociLayout
	l := plainLayer(t, content)
	l.blob = append([]byte{0xfd, '7', 'z', 'X', 'Z', 0}, l.blob...)
	err := readAll(o.archive(t, o.image(t, nil, l)), image.Options{})
	wantErr(t, err, "layer 0", "xz-compressed layers are not supported")
}

func TestMultiArch(t *testing.T) {
	ctx := context.Background()
	var o ociLayout
	arm := o.image(t, &v1.Platform{OS: "linux", Architecture: "arm64"}, gzipLayer(t, content))
	s390 := o.image(t, &v1.Platform{OS: "linux", Architecture: "s390x"}, plainLayer(t, content))
	flat := o.archive(t, arm, s390)

	_, err := image.Open(ctx, flat, image.Options{Platform: "linux/amd64"})
	wantErr(t, err, "no image for platform linux/amd64", "available: linux/arm64, linux/s390x")

	img, err := image.Open(ctx, flat, image.Options{Platform: "linux/s390x"})
	if err != nil {
		t.Fatal(err)
	}
	if img.Platform != "linux/s390x" || img.Digest != s390.Digest.String() {
		t.Errorf("picked %s %s, want linux/s390x %s", img.Platform, img.Digest, s390.Digest)
	}

	// The same two behind a nested image index, as registries and
	// docker buildx write them.
	idx := o.blob(mustJSON(t, v1.IndexManifest{SchemaVersion: 2, MediaType: "application/vnd.oci.image.index.v1+json", Manifests: []v1.Descriptor{arm, s390}}), "application/vnd.oci.image.index.v1+json")
	nested := o.archive(t, idx)
	img, err = image.Open(ctx, nested, image.Options{Platform: "linux/arm64/v8"})
	if err != nil {
		t.Fatal(err)
	}
	if img.Digest != arm.Digest.String() {
		t.Errorf("nested: picked %s, want %s", img.Digest, arm.Digest)
	}
	_, err = image.Open(ctx, nested, image.Options{Platform: "windows/amd64"})
	wantErr(t, err, "no image for platform windows/amd64", "linux/arm64")

	_, err = image.Open(ctx, flat, image.Options{Platform: "linux"})
	wantErr(t, err, "parsing platform")
}

func TestChoosingImages(t *testing.T) {
	ctx := context.Background()
	p := dockerArchive(t, []string{"example.com/app:1", "busybox"}, plainLayer(t, content))
	for _, ref := range []string{"docker-archive:" + p, "docker-archive:" + p + ":busybox:latest", "docker-archive:" + p + ":docker.io/library/busybox", "docker-archive:" + p + ":example.com/app:1"} {
		if _, err := image.Open(ctx, ref, image.Options{}); err != nil {
			t.Errorf("%s: %v", ref, err)
		}
	}
	_, err := image.Open(ctx, "docker-archive:"+p+":nginx", image.Options{})
	wantErr(t, err, `no image tagged "nginx"`, "example.com/app:1, busybox")
	_, err = image.Open(ctx, "docker-archive:"+p+":@3", image.Options{})
	wantErr(t, err, "@3 is not one of @0..@0")

	var o ociLayout
	d := o.image(t, nil, plainLayer(t, content))
	d.Annotations = map[string]string{"org.opencontainers.image.ref.name": "v1"}
	p = o.archive(t, d)
	if _, err := image.Open(ctx, "oci-archive:"+p+":v1", image.Options{}); err != nil {
		t.Error(err)
	}
	_, err = image.Open(ctx, "oci-archive:"+p+":v2", image.Options{})
	wantErr(t, err, `names no image "v2"`, "v1")
}

// TestDockerOCIStyleArchive: Docker ≥ 25 writes manifest.json beside an OCI
// layout whose blobs it names; with the containerd image store the layers
// stay compressed. The real manifest digest and media types are used.
func TestDockerOCIStyleArchive(t *testing.T) {
	var o ociLayout
	l := gzipLayer(t, content)
	d := o.image(t, nil, plainLayer(t, tarFile{"base", []byte("base layer")}), l)
	d.Annotations = map[string]string{
		"io.containerd.image.name":          "docker.io/library/app:1",
		"org.opencontainers.image.ref.name": "1",
	}
	var m struct{ Config v1.Descriptor }
	for _, f := range o.files {
		if f.name == "blobs/sha256/"+d.Digest.Hex {
			if err := json.Unmarshal(f.data, &m); err != nil {
				t.Fatal(err)
			}
		}
	}
	var layerPaths []string
	for _, f := range o.files {
		if f.name != "blobs/sha256/"+d.Digest.Hex && f.name != "blobs/sha256/"+m.Config.Digest.Hex {
			layerPaths = append(layerPaths, f.name)
		}
	}
	o.files = append(o.files, tarFile{"manifest.json", mustJSON(t, []map[string]any{{
		"Config": "blobs/sha256/" + m.Config.Digest.Hex, "RepoTags": []string{"app:1"}, "Layers": layerPaths,
	}})})
	p := o.archive(t, d)
	for _, ref := range []string{p, "docker-archive:" + p, "docker-archive:" + p + ":app:1"} {
		img, err := image.Open(context.Background(), ref, image.Options{})
		if err != nil {
			t.Fatalf("%s: %v", ref, err)
		}
		if img.Source != "docker-archive" || img.Digest != d.Digest.String() || fmt.Sprint(img.Tags) != "[app:1]" {
			t.Errorf("%s: source %s digest %s tags %v; want docker-archive %s [app:1]", ref, img.Source, img.Digest, img.Tags, d.Digest)
		}
		if got := img.Layers[1].MediaType; got != "application/vnd.oci.image.layer.v1.tar+gzip" {
			t.Errorf("%s: layer 1 media type %s", ref, got)
		}
		if err := readAll(ref, image.Options{}); err != nil {
			t.Error(err)
		}
	}
	img, err := image.Open(context.Background(), "oci-archive:"+p+":app:1", image.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(img.Tags) != "[docker.io/library/app:1]" {
		t.Errorf("oci-archive tags %v", img.Tags)
	}
}

func TestNotAnImage(t *testing.T) {
	ctx := context.Background()
	_, err := image.Open(ctx, writeFile(t, "junk.tar", bytes.Repeat([]byte("junk"), 300)), image.Options{})
	wantErr(t, err, "not a tar archive")
	_, err = image.Open(ctx, writeFile(t, "plain.tar", tarBytes(t, []tarFile{content})), image.Options{})
	wantErr(t, err, "neither manifest.json")
	_, err = image.Open(ctx, "./no/such.tar", image.Options{})
	wantErr(t, err, "no such file")
	_, err = image.Open(ctx, "oci:"+t.TempDir(), image.Options{})
	wantErr(t, err, "not an OCI image layout")
	_, err = image.Open(ctx, "docker-archive:"+writeFile(t, "empty.tar", nil), image.Options{})
	wantErr(t, err, "empty")
}

func TestDaemonUnreachable(t *testing.T) {
	_, err := image.Open(context.Background(), "docker-daemon:busybox", image.Options{DockerHost: "unix://" + filepath.Join(t.TempDir(), "none.sock")})
	wantErr(t, err, "reaching the daemon")
	_, err = image.Open(context.Background(), "docker-daemon:busybox", image.Options{DockerHost: "ssh://host"})
	wantErr(t, err, "only unix:// and tcp://")
}

func TestRegistryErrors(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/v2/" {
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusNotFound)
		io.WriteString(w, `{"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown"}]}`)
	}))
	defer srv.Close()
	host := strings.TrimPrefix(srv.URL, "http://")
	_, err := image.Open(context.Background(), "docker://"+host+"/app:1", image.Options{Insecure: true})
	wantErr(t, err, "opening docker", "MANIFEST_UNKNOWN")
}
