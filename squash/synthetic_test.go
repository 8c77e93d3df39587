package squash_test

import (
	"archive/tar"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/shipshape-dev/shipshape/squash"
)

var baseLayer = []ent{
	dir("bin", 0o755), file("bin/sh", "shell"),
	dir("etc", 0o755), file("etc/passwd", "root"), file("etc/old", "old"),
	dir("o", 0o755), file("o/a", "a"), dir("o/sub", 0o755), file("o/sub/b", "b"),
	dir("t", 0o755), file("t/x", "x"),
	dir("usr", 0o755), dir("usr/share", 0o755), dir("usr/share/doc", 0o755), dir("usr/share/doc/pkg", 0o755),
	file("usr/share/doc/pkg/copyright", "GPL"), file("usr/share/doc/pkg/README", "readme"),
}

func TestSquashCases(t *testing.T) {
	cases := []struct {
		name   string
		layers [][]ent
		remove []string
		want   []string // entries of the new layer, in order (names as written)
		notes  int
	}{
		{"file deleted and overwritten", [][]ent{
			{dir("app", 0o755), file("app/a", "1"), file("app/b", "1")},
			{dir("app", 0o755), file("app/a", "2"), whiteout("app/b"), whiteout("etc/old")},
		}, nil, []string{"etc/.wh.old", "app/", "app/a"}, 0},
		{"directory hoisted before older children", [][]ent{
			{dir("app", 0o755), file("app/old", "o")},
			{dir("app", 0o700), file("app/new", "n")},
		}, nil, []string{"app/", "app/old", "app/new"}, 0},
		{"opaque directory over the base", [][]ent{
			{dir("o", 0o755), opaque("o"), file("o/c", "c")},
		}, nil, []string{"o/", "o/.wh..wh..opq", "o/c"}, 0},
		{"directory replaced by a file", [][]ent{
			{file("t", "now a file")},
		}, nil, []string{"t"}, 0},
		{"hard link whose target is overwritten", [][]ent{
			{dir("d", 0o755), file("d/f", "A"), hardlink("d/l", "d/f"), hardlink("d/m", "d/f")},
			{file("d/f", "B")},
		}, nil, []string{"d/", "d/l", "d/m -> d/l", "d/f"}, 0},
		{"hard link to a base file", [][]ent{
			{hardlink("bin/sh2", "bin/sh")},
		}, nil, []string{"bin/sh2 -> bin/sh"}, 0},
		{"hard link whose base target is overwritten", [][]ent{
			{hardlink("bin/sh2", "bin/sh")},
			{file("bin/sh", "new shell")},
		}, nil, []string{"bin/sh2", "bin/sh"}, 0},
		{"whiteout of nothing", [][]ent{
			{file("new", "n"), whiteout("never/was"), whiteout("nothing")},
		}, nil, []string{"new"}, 1},
		{"removed paths", [][]ent{
			{dir("var", 0o755), dir("var/log", 0o755), file("var/log/x.log", "log"), file("app.log", "l"), file("keep", "k")},
		}, []string{"logs", "docs", "etc/passwd"}, []string{"etc/.wh.passwd", "usr/share/doc/pkg/.wh.README", "var/", "var/log/", "keep"}, 0},
		{"removed hard link target", [][]ent{
			{dir("d", 0o755), file("d/f", "A"), hardlink("d/l", "d/f")},
		}, []string{"d/f"}, []string{"d/", "d/l"}, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			in := writeArchive(t, dir, append([][]ent{baseLayer}, c.layers...)...)
			out := "oci-archive:" + filepath.Join(dir, "out.tar")
			res := run(t, in, out, squash.Options{Keep: 1, Remove: c.remove})
			es := lastLayer(t, out)
			if got := names(es); got != strings.Join(c.want, "\n") {
				t.Errorf("new layer holds\n%s\nwant\n%s", got, strings.Join(c.want, "\n"))
			}
			checkOrder(t, es)
			notes := 0
			for _, n := range res.Notes {
				if !strings.Contains(n, "stores its layers uncompressed") {
					notes++
				}
			}
			if notes != c.notes {
				t.Errorf("notes %q, want %d besides the one on uncompressed input", res.Notes, c.notes)
			}
			if res.Verification == nil || res.Verification.Entries == 0 {
				t.Errorf("not verified: %+v", res.Verification)
			}
		})
	}
}

func TestSquashKeepsMetadata(t *testing.T) {
	long := strings.Repeat("long-name/", 15) + "file"
	frac := time.Date(2023, 1, 2, 3, 4, 5, 123456789, time.UTC)
	meta := []ent{
		{hdr: tar.Header{Typeflag: tar.TypeReg, Name: "x", Mode: 0o4755, Uid: 1000, Gid: 1001, Uname: "app", Gname: "grp", Size: 2, ModTime: frac, Format: tar.FormatPAX,
			PAXRecords: map[string]string{"SCHILY.xattr.user.k": "v", "SCHILY.xattr.security.capability": "\x01\x00\x00\x02"}}, body: "xx"},
		file(long, "deep"),
		{hdr: tar.Header{Typeflag: tar.TypeChar, Name: "dev-null", Mode: 0o666, Devmajor: 1, Devminor: 3, ModTime: t0}},
		{hdr: tar.Header{Typeflag: tar.TypeFifo, Name: "fifo", Mode: 0o600, ModTime: t0}},
		symlink("link", "../x"),
	}
	dir := t.TempDir()
	in := writeArchive(t, dir, baseLayer, meta)
	out := "docker-archive:" + filepath.Join(dir, "out.tar")
	run(t, in, out, squash.Options{Keep: 1})
	es := lastLayer(t, out)
	x := find(es, "x")
	if x == nil {
		t.Fatalf("no x in\n%s", names(es))
	}
	h := x.hdr
	if h.Mode != 0o4755 || h.Uid != 1000 || h.Gid != 1001 || h.Uname != "app" || h.Gname != "grp" || !h.ModTime.Equal(frac) ||
		h.PAXRecords["SCHILY.xattr.user.k"] != "v" || h.PAXRecords["SCHILY.xattr.security.capability"] != "\x01\x00\x00\x02" || x.body != "xx" {
		t.Errorf("metadata lost: %+v", h)
	}
	if e := find(es, long); e == nil || e.body != "deep" {
		t.Errorf("long name lost:\n%s", names(es))
	}
	if e := find(es, "dev-null"); e == nil || e.hdr.Typeflag != tar.TypeChar || e.hdr.Devmajor != 1 || e.hdr.Devminor != 3 {
		t.Errorf("device lost: %+v", e)
	}
	if e := find(es, "fifo"); e == nil || e.hdr.Typeflag != tar.TypeFifo {
		t.Errorf("fifo lost: %+v", e)
	}
	if e := find(es, "link"); e == nil || e.hdr.Linkname != "../x" {
		t.Errorf("symlink lost: %+v", e)
	}
}

func TestSquashConfigAndDeterminism(t *testing.T) {
	dir := t.TempDir()
	in := writeArchive(t, dir, baseLayer, []ent{file("a", "1")}, []ent{file("a", "2"), file("b", "3")})
	a := run(t, in, "oci:"+filepath.Join(dir, "a"), squash.Options{Keep: 1})
	b := run(t, in, "oci-archive:"+filepath.Join(dir, "b.tar"), squash.Options{Keep: 1})
	if a.Digest != b.Digest || a.NewLayer.Digest != b.NewLayer.Digest {
		t.Errorf("same input, different digests: %s %s", a.Digest, b.Digest)
	}
	src, got := open(t, in), open(t, a.Reference)
	if !reflect.DeepEqual(src.Config.Config, got.Config.Config) {
		t.Errorf("config changed:\n%+v\n%+v", src.Config.Config, got.Config.Config)
	}
	if got.Layers[0].Digest != src.Layers[0].Digest || len(got.Layers) != 2 {
		t.Errorf("base layer %s, want %s; %d layers", got.Layers[0].Digest, src.Layers[0].Digest, len(got.Layers))
	}
	h := got.Config.History
	if len(h) != 2 || h[0].CreatedBy != "RUN layer 0" || !strings.Contains(h[1].Comment, "RUN layer 1\nRUN layer 2") || !h[1].Created.Time.Equal(t0.Add(2*time.Minute)) {
		t.Errorf("history %+v", h)
	}
	if !strings.Contains(string(got.RawConfig), `"x-unknown-field":"kept"`) {
		t.Errorf("unknown config field dropped: %s", got.RawConfig)
	}
	epoch := time.Unix(1700000000, 0).UTC()
	c := run(t, in, "oci:"+filepath.Join(dir, "c"), squash.Options{Keep: 1, Created: &epoch})
	if c.Digest == a.Digest || !open(t, c.Reference).Config.Created.Time.Equal(epoch) {
		t.Errorf("SOURCE_DATE_EPOCH not applied")
	}
	z := run(t, in, "oci:"+filepath.Join(dir, "z"), squash.Options{Keep: 1, Compression: squash.Zstd})
	z2 := run(t, in, "oci:"+filepath.Join(dir, "z2"), squash.Options{Keep: 1, Compression: squash.Zstd})
	if z.Digest != z2.Digest || z.NewLayer.DiffID != a.NewLayer.DiffID {
		t.Errorf("zstd: digests %s %s, diffID %s want %s", z.Digest, z2.Digest, z.NewLayer.DiffID, a.NewLayer.DiffID)
	}
}

func TestSquashRefusesBadOutput(t *testing.T) {
	dir := t.TempDir()
	in := writeArchive(t, dir, baseLayer, []ent{file("a", "1")})
	layout := "oci:" + filepath.Join(dir, "layout")
	run(t, in, layout, squash.Options{Keep: 1})
	for _, c := range []struct{ in, out, want string }{
		{in, "docker-archive:" + in, "is the input"},
		{layout, "oci-archive:" + filepath.Join(dir, "layout", "inside.tar"), "inside the input"},
		{in, "oci:" + dir, "not empty"},
		{in, "nowhere:x", "name a transport"},
		{in, "oci-archive:" + filepath.Join(dir, "missing", "x.tar"), "directory"},
	} {
		_, err := tryRun(c.in, c.out, squash.Options{Keep: 1})
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s -> %s: error %v, want %q", c.in, c.out, err, c.want)
		}
	}
	_, err := tryRun(in, "oci-archive:"+filepath.Join(dir, "x.tar"), squash.Options{Keep: 1, Remove: []string{"nosuchpreset"}})
	if err == nil || !strings.Contains(err.Error(), "no preset") {
		t.Errorf("unknown preset: %v", err)
	}
	assertNoLeftovers(t, dir, "in.tar", "layout")
}

func TestSquashCorruptLayer(t *testing.T) {
	dir := t.TempDir()
	in := writeArchive(t, dir, baseLayer, []ent{file("a", strings.Repeat("payload", 1000))})
	b, err := os.ReadFile(in)
	if err != nil {
		t.Fatal(err)
	}
	i := strings.LastIndex(string(b), "payloadpayload")
	b[i] = 'X'
	if err := os.WriteFile(in, b, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, out := range []string{"oci-archive:" + filepath.Join(dir, "out.tar"), "oci:" + filepath.Join(dir, "out"), "docker-archive:" + filepath.Join(dir, "o.tar")} {
		_, err = tryRun(in, out, squash.Options{Keep: 1})
		if err == nil || !strings.Contains(err.Error(), "layer 1") || !strings.Contains(err.Error(), "digest mismatch") {
			t.Errorf("corrupt layer: %v", err)
		}
	}
	assertNoLeftovers(t, dir, "in.tar")
}

// assertNoLeftovers checks dir holds only the named files.
func assertNoLeftovers(t *testing.T, dir string, want ...string) {
	t.Helper()
	ents, _ := os.ReadDir(dir)
	for _, e := range ents {
		ok := false
		for _, w := range want {
			ok = ok || e.Name() == w
		}
		if !ok {
			t.Errorf("left behind: %s", e.Name())
		}
	}
}
