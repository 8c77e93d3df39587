package layers

import (
	"archive/tar"
	"bytes"
	"context"
	"io"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
)

// img builds an image from layers written as lines: "f path size", "d path",
// "l path target" (symlink), "h path target" (hard link), "w path"
// (whiteout), "o dir" (opaque marker).
func img(t *testing.T, specs ...string) *Image {
	t.Helper()
	im := &Image{}
	for i, spec := range specs {
		l := &Layer{Index: i}
		for _, line := range strings.Split(strings.TrimSpace(spec), "\n") {
			f := strings.Fields(line)
			if len(f) == 0 {
				continue
			}
			e := Entry{Path: f[1]}
			switch f[0] {
			case "f":
				e.Kind = Regular
				for _, c := range f[2] {
					e.Size = e.Size*10 + int64(c-'0')
				}
			case "d":
				e.Kind = Dir
			case "l":
				e.Kind, e.Link = Symlink, f[2]
			case "h":
				e.Kind, e.Link = Hardlink, f[2]
			case "w":
				e.Whiteout = true
			case "o":
				e.Opaque = true
			default:
				t.Fatalf("bad spec line %q", line)
			}
			l.Entries = append(l.Entries, e)
		}
		im.Layers = append(im.Layers, l)
	}
	return im
}

func fate(m *Merged, layer, entry int) How { return m.Fates[layer][entry].How }

func TestMergeAppliesTheSpec(t *testing.T) {
	im := img(t,
		`d etc
f etc/conf 10
d app
f app/a 5
f app/b 7
d data
f data/x 3
f link-target 9
f gone 4`,
		`f etc/conf 11
w app
o data
f data/y 1
h hl link-target
w never-existed`,
		`w link-target
f gone 2
f gone 3`,
	)
	m := im.Merge()
	cases := []struct {
		layer, entry int
		want         How
	}{
		{0, 1, Overwritten}, // etc/conf rewritten by layer 1
		{0, 2, Deleted},     // the app dir itself
		{0, 3, Deleted},     // app/a, under the deleted dir
		{0, 4, Deleted},
		{0, 6, Hidden},  // data/x under the opaque data
		{0, 5, Alive},   // data itself stays: the marker hides its contents only
		{0, 7, Deleted}, // link-target whited out…
		{0, 8, Overwritten},
		{2, 1, Duplicate}, // gone written twice in layer 2
		{2, 2, Alive},
		{1, 0, Alive},
		{1, 3, Alive},
	}
	for _, c := range cases {
		if got := fate(m, c.layer, c.entry); got != c.want {
			t.Errorf("layer %d entry %d (%s): %v, want %v", c.layer, c.entry, im.Layers[c.layer].Entries[c.entry].Path, got, c.want)
		}
	}
	if m.Exists("/app") || m.Exists("/data/x") || !m.Exists("/data/y") {
		t.Errorf("final tree wrong: app=%v data/x=%v data/y=%v", m.Exists("/app"), m.Exists("/data/x"), m.Exists("/data/y"))
	}
	// …but the hard link made in layer 1 still shares its content.
	if tgt, ok := m.LinkTargets[Ref{1, 4}]; !ok || tgt != (Ref{0, 7}) {
		t.Errorf("hard link target = %v, %v; want layer 0 entry 7", tgt, ok)
	}
	if len(m.Orphans) != 1 || im.Entry(m.Orphans[0]).Path != "never-existed" {
		t.Errorf("orphans = %v", m.Orphans)
	}
	if e := m.Get("/gone"); e == nil || e.Size != 3 {
		t.Errorf("/gone = %+v, want the last write (3 bytes)", e)
	}
}

func TestMergeTypeChanges(t *testing.T) {
	im := img(t,
		`d opt
f opt/a 5
f opt/b 5
f bin 8
d lib
f lib/x 2`,
		`f opt 1
l bin /usr/bin
w lib
f lib 4`,
	)
	m := im.Merge()
	for _, c := range []struct {
		entry int
		want  How
	}{{0, Overwritten}, {1, Replaced}, {2, Replaced}, {3, Overwritten}, {4, Deleted}, {5, Deleted}} {
		if got := fate(m, 0, c.entry); got != c.want {
			t.Errorf("entry %d (%s): %v, want %v", c.entry, im.Layers[0].Entries[c.entry].Path, got, c.want)
		}
	}
	if e := m.Get("/bin"); e == nil || e.Kind != Symlink {
		t.Errorf("/bin = %+v, want the symlink", e)
	}
	if e := m.Get("/lib"); e == nil || e.Kind != Regular || e.Size != 4 {
		t.Errorf("/lib = %+v, want the new file: a whiteout acts on lower layers only", e)
	}
}

func TestResolveStopsOnLoops(t *testing.T) {
	im := img(t, `d usr
d usr/lib
f usr/lib/libc.so 1
l lib usr/lib
l a b
l b a
l dangling /nowhere`)
	m := im.Merge()
	if p, err := m.Resolve("/lib/libc.so"); err != nil || p != "usr/lib/libc.so" {
		t.Errorf("Resolve(/lib/libc.so) = %q, %v", p, err)
	}
	if _, err := m.Resolve("/a"); err == nil || !strings.Contains(err.Error(), "loop") {
		t.Errorf("Resolve(/a) error = %v, want a loop error", err)
	}
	if _, err := m.Resolve("/dangling"); err == nil {
		t.Error("Resolve(/dangling) gave no error")
	}
}

func TestEntryNames(t *testing.T) {
	for _, c := range []struct {
		name, want, err  string
		whiteout, opaque bool
	}{
		{name: "./etc/passwd", want: "etc/passwd"},
		{name: "etc/", want: "etc"},
		{name: "a/.wh.b", want: "a/b", whiteout: true},
		{name: "a/.wh..wh..opq", want: "a", opaque: true},
		{name: "/etc/shadow", err: "absolute"},
		{name: "../../etc/shadow", err: "climbs out"},
		{name: "a/../../x", err: "climbs out"},
	} {
		e, ok, err := entryOf(&tar.Header{Name: c.name, Typeflag: tar.TypeReg})
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("%q: error %v, want %q", c.name, err, c.err)
			}
			continue
		}
		if err != nil || !ok || e.Path != c.want || e.Whiteout != c.whiteout || e.Opaque != c.opaque {
			t.Errorf("%q: %+v ok=%v err=%v", c.name, e, ok, err)
		}
	}
}

func TestReadLayerLimitsEntries(t *testing.T) {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for i := 0; i < 50; i++ {
		_ = tw.WriteHeader(&tar.Header{Name: "f" + string(rune('a'+i%26)) + strings.Repeat("x", i), Typeflag: tar.TypeReg, Mode: 0o644})
	}
	_ = tw.Close()
	var n atomic.Int64
	err := readLayer(context.Background(), &Layer{Index: 3, Digest: "sha256:0123456789abcdef0123"}, &buf, &n, &Options{MaxEntries: 10})
	if err == nil || !strings.Contains(err.Error(), "layer 3 (sha256:0123456789ab)") || !strings.Contains(err.Error(), "--max-entries") {
		t.Fatalf("error = %v, want the layer named and the flag to raise the limit", err)
	}
}

func TestReadLayerTruncated(t *testing.T) {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	_ = tw.WriteHeader(&tar.Header{Name: "big", Typeflag: tar.TypeReg, Size: 4096, Mode: 0o644})
	_, _ = tw.Write(make([]byte, 4096))
	_ = tw.Close()
	short := bytes.NewReader(buf.Bytes()[:1000])
	var n atomic.Int64
	err := readLayer(context.Background(), &Layer{Index: 1, Digest: "sha256:ab"}, short, &n, &Options{MaxEntries: 10})
	if err == nil || !strings.Contains(err.Error(), `after entry "big"`) {
		t.Fatalf("error = %v, want the truncation named after the last entry", err)
	}
}

// A layer with two million entries stops at the default limit with an error,
// while the tar streams through a pipe: memory stays bounded by the limit.
func TestReadLayerTwoMillionEntries(t *testing.T) {
	if testing.Short() {
		t.Skip("streams two million tar headers")
	}
	pr, pw := io.Pipe()
	go func() {
		tw := tar.NewWriter(pw)
		for i := 0; i <= 2_000_000; i++ {
			if err := tw.WriteHeader(&tar.Header{Name: "d/f" + strconv.Itoa(i), Typeflag: tar.TypeReg, Mode: 0o644}); err != nil {
				pw.CloseWithError(err)
				return
			}
		}
		pw.CloseWithError(tw.Close())
	}()
	var n atomic.Int64
	err := readLayer(context.Background(), &Layer{Index: 0, Digest: "sha256:feed"}, pr, &n, &Options{MaxEntries: DefaultMaxEntries})
	pr.Close()
	if err == nil || !strings.Contains(err.Error(), "more than 1000000 entries") {
		t.Fatalf("error = %v, want the entry limit", err)
	}
}
