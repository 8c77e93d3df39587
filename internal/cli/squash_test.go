package cli_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/shipshape-dev/shipshape/internal/cli"
	"github.com/shipshape-dev/shipshape/internal/testimages"
)

func shipshape(args ...string) (code int, stdout, stderr string) {
	var o, e bytes.Buffer
	code = cli.Run(context.Background(), args, nil, &o, &e)
	return code, o.String(), e.String()
}

// stdout carries only the written image's reference, so that
// $(shipshape squash …) composes; the report goes to stderr.
func TestSquashCommand(t *testing.T) {
	testimages.Require(t, "buildah")
	b := testimages.Build(t, testimages.Secret)
	dir := t.TempDir()
	out := filepath.Join(dir, "out.tar")
	code, stdout, stderr := shipshape("squash", b.DockerArchive, "-o", "oci-archive:"+out, "--keep", "2")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if stdout != "oci-archive:"+out+"\n" {
		t.Errorf("stdout %q, want the reference alone", stdout)
	}
	for _, want := range []string{"base    2 layers kept", "pull with the base", "verified:", "new layer sha256:"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("report lacks %q:\n%s", want, stderr)
		}
	}
	// The reference printed opens again (inspect exits 1 on image findings).
	code, _, stderr = shipshape("inspect", strings.TrimSpace(stdout))
	if code == cli.ExitError {
		t.Errorf("inspect of the output: exit %d: %s", code, stderr)
	}

	// --base names the image built on: its layers stay.
	base := testimages.Build(t, testimages.Spec{Name: "squashbase", Dockerfile: testimages.Base})
	code, _, stderr = shipshape("squash", b.DockerArchive, "-o", filepath.Join(dir, "based.tar"), "--base", base.DockerArchive)
	if code != 0 || !strings.Contains(stderr, "base    2 layers kept as they are (--base: 2 layers shared") {
		t.Errorf("--base: exit %d\n%s", code, stderr)
	}
	code, _, stderr = shipshape("squash", base.DockerArchive, "-o", filepath.Join(dir, "x.tar"), "--base", b.DockerArchive)
	if code != cli.ExitError || !strings.Contains(stderr, "shares only 2 of the base's 5 layers") {
		t.Errorf("--base of a bigger image: exit %d\n%s", code, stderr)
	}

	code, stdout, stderr = shipshape("squash", b.DockerArchive, "-o", "docker-archive:"+filepath.Join(dir, "out.docker.tar")+":localhost/s:1",
		"--keep", "2", "--format", "json", "--remove", "*.md", "--compression", "zstd", "--level", "19")
	if code != 0 || stderr != "" {
		t.Fatalf("json: exit %d, stderr %q", code, stderr)
	}
	var doc struct {
		SchemaVersion int
		Reference     string
		Result        struct {
			Digest   string
			Input    struct{ Layers int }
			Output   struct{ Layers int }
			NewLayer struct {
				Compression string
				Level       int
			}
			Verification *struct{ Entries int }
		}
	}
	if err := json.Unmarshal([]byte(stdout), &doc); err != nil {
		t.Fatalf("%v\n%s", err, stdout)
	}
	if doc.SchemaVersion != 1 || doc.Result.Output.Layers != 3 || doc.Result.Input.Layers != 5 ||
		doc.Result.NewLayer.Compression != "zstd" || doc.Result.NewLayer.Level != 19 || doc.Result.Verification == nil ||
		!strings.HasPrefix(doc.Result.Digest, "sha256:") || !strings.HasPrefix(doc.Reference, "docker-archive:") {
		t.Errorf("json report %+v", doc)
	}
}

func TestSquashCommandErrors(t *testing.T) {
	testimages.Require(t, "buildah")
	b := testimages.Build(t, testimages.Whiteouts)
	dir := t.TempDir()
	layout := filepath.Join(dir, "layout")
	if code, _, stderr := shipshape("squash", "oci:"+b.OCIDir, "-o", "oci:"+layout, "--keep", "2", "--no-verify"); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	unknown := unknownMediaType(t, layout, dir)
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{b.DockerArchive}, "name the destination with -o"},
		{[]string{"oci:" + layout, "-o", "oci:" + filepath.Join(layout, "sub")}, "inside the input"},
		{[]string{"oci:" + layout, "-o", "oci-archive:" + filepath.Join(layout, "x.tar")}, "inside the input"},
		{[]string{b.DockerArchive, "-o", "docker-archive:" + b.DockerArchive}, "is the input"},
		{[]string{b.DockerArchive, "-o", "x.tar", "--keep", "2", "--all"}, "give one"},
		{[]string{b.DockerArchive, "-o", "x.tar", "--format", "yaml"}, "unknown format"},
		{[]string{b.DockerArchive, "-o", "x.tar", "--compression", "lz4"}, "unknown compression"},
		{[]string{b.DockerArchive, "-o", "x.tar", "--level", "12"}, "out of gzip's range"},
		{[]string{b.DockerArchive, "-o", "x.tar", "--remove", "caches"}, "no preset has that name"},
		{[]string{b.DockerArchive, "-o", "x.tar", "--keep", "99"}, "the image has 4 layers"},
		{[]string{"oci:" + unknown, "-o", "oci-archive:" + filepath.Join(dir, "u.tar")}, "unknown media type"},
		{[]string{corruptLayer(t, b), "-o", "oci-archive:" + filepath.Join(dir, "c.tar"), "--keep", "2"}, "digest mismatch"},
	} {
		code, stdout, stderr := shipshape(append([]string{"squash"}, c.args...)...)
		if code != cli.ExitError || stdout != "" || !strings.Contains(stderr, c.want) {
			t.Errorf("%v: exit %d, stdout %q, stderr %q; want exit 2 and %q", c.args, code, stdout, stderr, c.want)
		}
	}
	ents, _ := os.ReadDir(dir)
	for _, e := range ents {
		if e.Name() != "layout" && e.Name() != "unknown" {
			t.Errorf("left behind: %s", e.Name())
		}
	}
}

// unknownMediaType copies an OCI layout with its top layer's media type
// renamed to one no tool knows.
func unknownMediaType(t *testing.T, layout, dir string) string {
	t.Helper()
	dst := filepath.Join(dir, "unknown")
	if err := os.CopyFS(dst, os.DirFS(layout)); err != nil {
		t.Fatal(err)
	}
	var idx struct {
		SchemaVersion int              `json:"schemaVersion"`
		Manifests     []map[string]any `json:"manifests"`
	}
	raw, _ := os.ReadFile(filepath.Join(dst, "index.json"))
	if err := json.Unmarshal(raw, &idx); err != nil {
		t.Fatal(err)
	}
	old := strings.TrimPrefix(idx.Manifests[0]["digest"].(string), "sha256:")
	mb, _ := os.ReadFile(filepath.Join(dst, "blobs", "sha256", old))
	mb = bytes.Replace(mb, []byte("application/vnd.oci.image.layer.v1.tar+gzip\",\"size"), []byte("application/x-shipshape-unknown\",\"size"), 1)
	sum := fmt.Sprintf("%x", sha256.Sum256(mb))
	if err := os.WriteFile(filepath.Join(dst, "blobs", "sha256", sum), mb, 0o644); err != nil {
		t.Fatal(err)
	}
	idx.Manifests[0]["digest"], idx.Manifests[0]["size"] = "sha256:"+sum, len(mb)
	ib, _ := json.Marshal(idx)
	if err := os.WriteFile(filepath.Join(dst, "index.json"), ib, 0o644); err != nil {
		t.Fatal(err)
	}
	return dst
}

// corruptLayer copies the docker archive with one byte of /data/gone's
// content changed: only the layer's digest can tell.
func corruptLayer(t *testing.T, b *testimages.Built) string {
	t.Helper()
	p := b.Copy(t, b.DockerArchive)
	raw, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	i := bytes.Index(raw, []byte("data/gone\x00"))
	if i < 0 {
		t.Fatal("no data/gone in the archive")
	}
	raw[i+512+10] ^= 0x01
	if err := os.WriteFile(p, raw, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}
