package lint

import (
	"io"
	"strings"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/shipshape-dev/shipshape/analyze"
	"github.com/shipshape-dev/shipshape/dockerfile"
	"github.com/shipshape-dev/shipshape/image"
	"github.com/shipshape-dev/shipshape/layers"
)

// countingReader counts what a check read of a file.
type countingReader struct {
	r io.Reader
	n int
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += n
	return n, err
}

// heads keeps the first 8 bytes of files under etc/; hashes hashes files
// under app/.
var (
	heads = &Rule{Code: "IM298", Name: "heads", Severity: Warning, Scope: ScopeImage,
		Reads: func(*v1.ConfigFile) *Want {
			return &Want{Match: func(e *layers.Entry) bool { return strings.HasPrefix(e.Path, "etc/") }, Head: 8,
				Read: func(_ *layers.Entry, head []byte) any { return string(head) }}
		},
		Check: func(p *Pass) {
			for _, f := range p.Facts() {
				p.ReportLayer(int(f.Ref.Layer), []ImagePath{{Path: p.Image.Taken.Entry(f.Ref).Display(), Bytes: 1, Files: 1}}, 1, "fix",
					"head "+f.Value.(string))
			}
		}}
	hashes = &Rule{Code: "IM299", Name: "hashes", Severity: Info, Scope: ScopeImage,
		Reads: func(*v1.ConfigFile) *Want {
			return &Want{Match: func(e *layers.Entry) bool { return strings.HasPrefix(e.Path, "app/") }, Hash: true}
		},
		Check: func(p *Pass) {
			a, okA := p.Image.Contents.Hash(layers.Ref{Layer: 0, Entry: 2})
			b, okB := p.Image.Contents.Hash(layers.Ref{Layer: 1, Entry: 0})
			if okA && okB && a == b {
				p.ReportConfig(-1, "", "same content")
			}
		}}
	panicky = &Rule{Code: "IM297", Name: "panicky", Severity: Warning, Scope: ScopeImage, Check: func(*Pass) { panic("boom") }}
)

// A synthetic two-layer image: what Visit reads of each file, what the
// checks get, and how findings are placed and filtered.
func TestLintImage(t *testing.T) {
	files := [][]struct{ path, body string }{
		{{"etc/app.conf", "key=value and more"}, {"usr/bin/tool", strings.Repeat("x", 1000)}, {"app/data.bin", "same bytes"}},
		{{"app/copy.bin", "same bytes"}},
	}
	im := &layers.Image{Source: &image.Image{Reference: "img.tar", Config: &v1.ConfigFile{}}}
	for li := range files {
		im.Layers = append(im.Layers, &layers.Layer{Index: li, Digest: "sha256:0" + string(rune('a'+li))})
	}
	l := &Linter{Rules: []*Rule{heads, hashes, panicky}, Config: &Config{}}
	c := l.NewContents("img.tar", im.Source.Config, len(im.Layers))
	if c == nil {
		t.Fatal("no contents collected although checks read them")
	}
	read := map[string]int{}
	for li, fs := range files {
		for _, f := range fs {
			lay := im.Layers[li]
			lay.Entries = append(lay.Entries, layers.Entry{Path: f.path, Size: int64(len(f.body)), Mode: 0o644, Kind: layers.Regular})
			cr := &countingReader{r: strings.NewReader(f.body)}
			if err := c.Visit(lay, &lay.Entries[len(lay.Entries)-1], cr); err != nil {
				t.Fatal(err)
			}
			read[f.path] = cr.n
		}
	}
	if read["usr/bin/tool"] != 0 || read["etc/app.conf"] != 8 || read["app/data.bin"] != 10 || read["app/copy.bin"] != 10 {
		t.Errorf("bytes read per file: %v (want none of the file no check picked, 8 of the head, all of the hashed)", read)
	}
	if files, n := c.Read(); files != 3 || n != 28 {
		t.Errorf("Read() = %d files, %d bytes", files, n)
	}
	res := analyze.Analyze(im, nil)
	f, _, err := dockerfile.Parse("Dockerfile", []byte("FROM scratch\n# shipshape ignore=IM298\nCOPY etc/ /etc/\n"))
	if err != nil {
		t.Fatal(err)
	}
	out := l.LintImage(&ImageTarget{Result: res, Contents: c}, nil).Findings
	var got []string
	for _, fd := range out {
		got = append(got, fd.Code+" "+fd.File+" "+fd.Message)
	}
	want := "IM298 img.tar head key=valu|IM297 img.tar internal error in check IM297 (boom)|IM299 img.tar same content"
	if s := strings.Join(got, "|"); !strings.HasPrefix(strings.Split(s, "|")[0], "IM298 img.tar head key=valu") ||
		!strings.Contains(s, "IM297 img.tar internal error in check IM297 (boom)") || !strings.HasSuffix(s, "IM299 img.tar same content") {
		t.Errorf("findings:\n%s\nwant like:\n%s", s, want)
	}
	// with the Dockerfile matched, the finding on layer 0 points at line 3,
	// where an ignore comment silences it
	res.Layers[0].Instruction = &analyze.Attribution{Layer: 0, File: "Dockerfile", Line: 3}
	for _, fd := range l.LintImage(&ImageTarget{Result: res, Contents: c}, f).Findings {
		if fd.Code == "IM298" {
			t.Errorf("the ignore comment did not apply: %v", fd)
		}
	}
	// configuration applies: severities, and disabled checks are not read
	cfg := &Config{Disable: []string{"IM298", "IM299"}}
	if (&Linter{Rules: []*Rule{heads, hashes}, Config: cfg}).NewContents("img.tar", nil, 2) != nil {
		t.Error("disabled checks still read contents")
	}
}
