package lint

import (
	"fmt"
	"hash/maphash"
	"io"
	"sort"
	"sync"
	"sync/atomic"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/shipshape-dev/shipshape/analyze"
	"github.com/shipshape-dev/shipshape/dockerfile"
	"github.com/shipshape-dev/shipshape/layers"
)

// Image checks (Scope ScopeImage) look at an image taken apart by package
// layers and analyzed by package analyze. Most need only the entries'
// headers and the config; the few that read file contents declare what they
// need up front (Rule.Reads), so that the CLI can collect it in the one pass
// that streams the layers: Linter.NewContents gathers the enabled checks'
// wants, Contents.Visit is layers.Options.Visit, and LintImage hands each
// check what it asked for. Files no check picked are never read.

// MaxHead bounds what one check may read of one file.
const MaxHead = 1 << 20

// Want is what an image check reads of file contents while the layers stream.
type Want struct {
	// Match picks files by their header. It runs for every regular file of
	// every layer, concurrently for different layers, so it must be cheap.
	Match func(e *layers.Entry) bool
	// Head is how many leading bytes of a picked file Read is given (at most
	// MaxHead; fewer when the file is shorter).
	Head int
	// Read turns a picked file's head into the fact the check keeps; nil
	// keeps nothing. The head's buffer is reused, so Read must copy what it
	// keeps, and it must never keep a secret's value. It runs concurrently.
	Read func(e *layers.Entry, head []byte) any
	// Hash asks for a hash of each picked file's whole content (Contents.Hash).
	Hash bool
}

// Fact is what a check's Read kept of one file.
type Fact struct {
	Ref   layers.Ref
	Value any
}

// Contents collects, while the layers stream, the file contents the enabled
// image checks asked for. Its Visit method is a layers.Options.Visit.
type Contents struct {
	wants  []*Want
	owners []*Rule // owners[i] asked for wants[i]
	seed   maphash.Seed
	layers []layerContents // by layer index; each written by the one goroutine reading that layer
	bufs   sync.Pool

	files, bytes atomic.Int64

	once  sync.Once
	facts map[*Rule][]Fact
}

type layerContents struct {
	facts  []rawFact
	hashes []entryHash // in entry order, so Hash can search them
}

type rawFact struct {
	entry int32
	want  int
	value any
}

type entryHash struct {
	entry int32
	sum   uint64
}

// NewContents gathers what the enabled image checks read: cfg is the image's
// config (checks that read the entrypoint script look for it by name), n the
// number of layers, name what configuration overrides match (the Dockerfile,
// or the image reference). It returns nil when no enabled check reads
// contents: the layers are then read for their headers only.
func (l *Linter) NewContents(name string, cfg *v1.ConfigFile, n int) *Contents {
	c := l.Config
	if c == nil {
		c = &Config{}
	}
	eff := c.For(name)
	out := &Contents{seed: maphash.MakeSeed(), layers: make([]layerContents, n)}
	for _, r := range l.Rules {
		if r.Scope != ScopeImage || r.Reads == nil || r.Check == nil || !eff.Enabled(r) {
			continue
		}
		if w := r.Reads(cfg); w != nil && w.Match != nil {
			out.wants = append(out.wants, w)
			out.owners = append(out.owners, r)
		}
	}
	if len(out.wants) == 0 {
		return nil
	}
	return out
}

// Visit reads what the checks want of one regular file of layer l: e is the
// entry Read just recorded (the last of l.Entries), r its content.
func (c *Contents) Visit(l *layers.Layer, e *layers.Entry, r io.Reader) error {
	var pick [16]int
	picked := pick[:0]
	head, hash := 0, false
	for i, w := range c.wants {
		if w.Match(e) {
			picked = append(picked, i)
			head = max(head, w.Head)
			hash = hash || w.Hash
		}
	}
	if len(picked) == 0 || l.Index < 0 || l.Index >= len(c.layers) {
		return nil
	}
	ei := len(l.Entries) - 1
	if ei < 0 || &l.Entries[ei] != e {
		return fmt.Errorf("reading %s: the entry is not the layer's last record", e.Display())
	}
	head = int(min(int64(min(head, MaxHead)), max(e.Size, 0)))
	bp := c.buffer(head)
	defer c.bufs.Put(bp)
	buf := (*bp)[:head]
	n, err := io.ReadFull(r, buf)
	if err != nil && err != io.EOF && err != io.ErrUnexpectedEOF {
		return fmt.Errorf("reading %s: %w", e.Display(), err)
	}
	buf = buf[:n]
	lc := &c.layers[l.Index]
	for _, i := range picked {
		w := c.wants[i]
		if w.Read == nil {
			continue
		}
		if v := w.Read(e, buf[:min(len(buf), w.Head)]); v != nil {
			lc.facts = append(lc.facts, rawFact{entry: int32(ei), want: i, value: v})
		}
	}
	read := int64(n)
	if hash {
		var h maphash.Hash
		h.SetSeed(c.seed)
		h.Write(buf)
		rest, err := io.CopyBuffer(&h, r, (*bp)[:cap(*bp)])
		if err != nil {
			return fmt.Errorf("reading %s: %w", e.Display(), err)
		}
		read += rest
		lc.hashes = append(lc.hashes, entryHash{entry: int32(ei), sum: h.Sum64()})
	}
	c.files.Add(1)
	c.bytes.Add(read)
	return nil
}

// buffer returns a pooled buffer of at least n bytes (and at least 32 KiB,
// which hashing copies through).
func (c *Contents) buffer(n int) *[]byte {
	n = max(n, 32<<10)
	if bp, ok := c.bufs.Get().(*[]byte); ok && cap(*bp) >= n {
		return bp
	}
	b := make([]byte, n)
	return &b
}

// Read says how many files the checks read, and how many bytes of them.
func (c *Contents) Read() (files, bytes int64) {
	if c == nil {
		return 0, 0
	}
	return c.files.Load(), c.bytes.Load()
}

// finish files the facts by rule, in layer and entry order.
func (c *Contents) finish() {
	c.once.Do(func() {
		c.facts = map[*Rule][]Fact{}
		for li := range c.layers {
			for _, f := range c.layers[li].facts {
				r := c.owners[f.want]
				c.facts[r] = append(c.facts[r], Fact{Ref: layers.Ref{Layer: int32(li), Entry: f.entry}, Value: f.value})
			}
		}
	})
}

// Hash returns the content hash of a file a check asked to hash. Hashes are
// comparable within one run only.
func (c *Contents) Hash(r layers.Ref) (uint64, bool) {
	if c == nil || r.Layer < 0 || int(r.Layer) >= len(c.layers) {
		return 0, false
	}
	hs := c.layers[r.Layer].hashes
	i := sort.Search(len(hs), func(i int) bool { return hs[i].entry >= r.Entry })
	if i < len(hs) && hs[i].entry == r.Entry {
		return hs[i].sum, true
	}
	return 0, false
}

// ImageTarget is what image checks see: the image analyzed (with the
// Dockerfile matched to its history when one was given) and the file contents
// the checks asked for.
type ImageTarget struct {
	*analyze.Result
	Contents *Contents // nil when no check read contents

	finalOnce sync.Once
	final     []FinalEntry
}

// FinalEntry is an entry of the final filesystem: its path (relative, as
// in layers.Entry) and the layer entry that holds it.
type FinalEntry struct {
	Path string
	Ref  layers.Ref
}

// Final lists the final filesystem in path order, implicit directories left
// out; walked once for all the checks that need it.
func (t *ImageTarget) Final() []FinalEntry {
	t.finalOnce.Do(func() {
		if t.Merged == nil {
			return
		}
		_ = t.Merged.Walk(func(p string, ref layers.Ref) error {
			if ref != layers.NoRef {
				t.final = append(t.final, FinalEntry{Path: p, Ref: ref})
			}
			return nil
		})
	})
	return t.final
}

// Config returns the image's config; never nil.
func (t *ImageTarget) Config() *v1.ConfigFile {
	if t.Taken != nil && t.Taken.Source != nil && t.Taken.Source.Config != nil {
		return t.Taken.Source.Config
	}
	return &v1.ConfigFile{}
}

// Facts returns what the pass's rule kept of the files it read, in layer and
// entry order.
func (p *Pass) Facts() []Fact {
	if p.Image == nil || p.Image.Contents == nil {
		return nil
	}
	p.Image.Contents.finish()
	return p.Image.Contents.facts[p.Rule]
}

// ImageFinding places an image check's finding in the image.
type ImageFinding struct {
	// Layer is the layer that holds what the finding is about; -1 for a
	// finding about the config (user, command, ports, environment).
	Layer       int    `json:"layer"`
	LayerDigest string `json:"layerDigest,omitempty"`
	// CreatedBy is the history entry of the layer, or the one that set the
	// config value reported (empty when none did).
	CreatedBy string `json:"createdBy"`
	// Base says the layer came from the base image: users fix only their own.
	Base bool `json:"base"`
	// Paths are the paths involved, most bytes first, at most MaxPaths;
	// MorePaths counts the rest.
	Paths     []ImagePath `json:"paths"`
	MorePaths int         `json:"morePaths,omitempty"`
	// CompressedBytes estimates Finding.Bytes in pull terms: scaled by the
	// layer's compression ratio.
	CompressedBytes int64 `json:"compressedBytes,omitempty"`
}

// MaxPaths bounds the paths one finding lists.
const MaxPaths = 20

// ImagePath is one path a finding is about: a file, or a directory with
// the bytes and files of it that count.
type ImagePath struct {
	Path  string `json:"path"`
	Bytes int64  `json:"bytes"`
	Files int    `json:"files"`
	// RemovedBy is the layer that deleted or replaced it: the bytes are in
	// the image although the final filesystem no longer has them. Nil while
	// the final filesystem holds it.
	RemovedBy *int `json:"removedBy,omitempty"`
}

// ReportLayer records an image finding about what layer holds: the paths
// involved, the bytes acting on it removes from the image (0 when size is
// not the point) and the fix in words.
func (p *Pass) ReportLayer(layer int, paths []ImagePath, bytes int64, fix, msg string) *Finding {
	t := p.Image
	at := &ImageFinding{Layer: layer, Paths: []ImagePath{}}
	fd := Finding{Code: p.Rule.Code, Name: p.Rule.Name, Severity: p.Rule.Severity, Message: msg,
		File: t.Image.Reference, Aliases: p.Rule.Aliases, Bytes: bytes, Suggestion: fix, Image: at}
	if layer >= 0 && layer < len(t.Layers) {
		s := t.Layers[layer]
		at.LayerDigest, at.CreatedBy, at.Base = s.Digest, s.CreatedBy, s.Base
		if s.TarSize > 0 && s.CompressedSize > 0 && bytes > 0 {
			at.CompressedBytes = int64(float64(bytes)*float64(s.CompressedSize)/float64(s.TarSize) + 0.5)
		}
		if a := s.Instruction; a != nil && a.Line > 0 {
			p.placeAt(&fd, a.File, a.Line)
		}
	}
	sorted := append([]ImagePath(nil), paths...)
	sort.SliceStable(sorted, func(i, j int) bool {
		if sorted[i].Bytes != sorted[j].Bytes {
			return sorted[i].Bytes > sorted[j].Bytes
		}
		return sorted[i].Path < sorted[j].Path
	})
	if len(sorted) > MaxPaths {
		at.MorePaths = len(sorted) - MaxPaths
		sorted = sorted[:MaxPaths]
	}
	at.Paths = append(at.Paths, sorted...)
	p.findings = append(p.findings, fd)
	return &p.findings[len(p.findings)-1]
}

// ReportConfig records an image finding about the config: history is the
// index of the history entry that set the value reported (-1 when none did:
// the finding then points at the final stage's FROM when the Dockerfile is
// known).
func (p *Pass) ReportConfig(history int, fix, msg string) *Finding {
	t := p.Image
	at := &ImageFinding{Layer: -1, Paths: []ImagePath{}}
	fd := Finding{Code: p.Rule.Code, Name: p.Rule.Name, Severity: p.Rule.Severity, Message: msg,
		File: t.Image.Reference, Aliases: p.Rule.Aliases, Suggestion: fix, Image: at}
	if t.Taken != nil && history >= 0 && history < len(t.Taken.History) {
		at.CreatedBy = t.Taken.History[history].CreatedBy
	}
	if p.File != nil {
		if line, ok := t.HistoryLines[history]; ok && history >= 0 {
			p.placeAt(&fd, p.File.Name, line)
		} else if n := len(p.File.Stages); n > 0 && p.File.Stages[n-1].From != nil {
			p.placeAt(&fd, p.File.Name, p.File.Stages[n-1].From.Range.Start.Line)
		}
	}
	p.findings = append(p.findings, fd)
	return &p.findings[len(p.findings)-1]
}

// placeAt points a finding at the keyword of the instruction on line.
func (p *Pass) placeAt(fd *Finding, file string, line int) {
	fd.File, fd.Line, fd.Column, fd.EndLine, fd.EndColumn = file, line, 1, line, 1
	if p.File == nil {
		return
	}
	for _, in := range p.File.Instructions {
		if in.Range.Start.Line == line {
			fd.Column, fd.EndColumn = in.Range.Start.Col, in.Range.Start.Col+len(in.Keyword)
			return
		}
	}
}

// LintImage runs the enabled image checks (Scope ScopeImage) over an analyzed
// image; f is the Dockerfile it was built from, or nil. With a Dockerfile,
// findings on a layer or history entry matched to a line point at that line,
// and its ignore comments (`# shipshape ignore=IM201`) apply; the others
// name the image reference with Line 0. Configuration applies as for
// Dockerfiles (overrides match the Dockerfile's path, or the reference).
// Findings come in layer order (config findings last), then by code. Like
// Lint, it never fails: a check that panics costs only its own findings.
func (l *Linter) LintImage(t *ImageTarget, f *dockerfile.File) Result {
	cfg := l.Config
	if cfg == nil {
		cfg = &Config{}
	}
	name := t.Image.Reference
	if f != nil {
		name = f.Name
	}
	eff := cfg.For(name)
	state := &fileState{scripts: map[*dockerfile.Instruction]*shellScript{}}
	base := Pass{File: f, Image: t, state: state, trusted: cfg.TrustedRegistries}
	all := runScope(l.Rules, ScopeImage, eff, base, func(r *Rule, v any, stack string) Finding {
		return Finding{
			Code: r.Code, Name: r.Name, Severity: Error, File: t.Image.Reference,
			Image:   &ImageFinding{Layer: -1, Paths: []ImagePath{}},
			Message: fmt.Sprintf("internal error in check %s (%v); please report it with the output of `shipshape inspect --format json --files`: %s", r.Code, v, stack),
		}
	})
	var out []Finding
	for _, fd := range all {
		if fd.Severity != None {
			out = append(out, fd)
		}
	}
	if f != nil {
		out = parseIgnores(f).apply(f, out, l.Rules)
	}
	SortImageFindings(out, len(t.Layers))
	return Result{File: f, Findings: out}
}

// SortImageFindings orders image findings by layer (config findings, layer
// -1, after the last layer), then code, line and message.
func SortImageFindings(fs []Finding, layerCount int) {
	key := func(f Finding) int {
		if f.Image == nil || f.Image.Layer < 0 {
			return layerCount
		}
		return f.Image.Layer
	}
	sort.SliceStable(fs, func(i, j int) bool {
		a, b := fs[i], fs[j]
		if ka, kb := key(a), key(b); ka != kb {
			return ka < kb
		}
		if a.Code != b.Code {
			return a.Code < b.Code
		}
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		return a.Message < b.Message
	})
}
