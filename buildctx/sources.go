package buildctx

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"syscall"

	"github.com/moby/patternmatcher"
)

// Resolver answers what COPY and ADD sources name in one context, the way
// BuildKit's file copy does: the source is cleaned as if rooted at the context
// (so "/x", "./x/" and "../x" all mean "x"), each path element may be a
// wildcard with filepath.Match's syntax, a directory copies its contents, and
// only what the ignore file lets through reaches the builder. Build one per
// context and share it: it indexes the context's files once.
type Resolver struct {
	c *Context
	// keys are the file paths with "/" written as "\x00", sorted: the files under
	// a directory then form one run, whatever the order of c.Files.
	keys   []string
	order  []int    // order[i] is the index in c.Files of keys[i]
	pruned []string // c.Pruned, keyed and sorted the same way

	once   sync.Once
	pm     *patternmatcher.PatternMatcher
	single []*patternmatcher.PatternMatcher // one matcher per pattern, "!" dropped
	lines  []int                            // the ignore file's line of each pattern, 0 when unknown
	pmu    sync.Mutex                       // patterns compile on first use: one matcher call at a time

	mu      sync.Mutex
	results map[string]Resolution
}

// Copied is one sent file a source copies.
type Copied struct {
	File
	// Rel is where it lands relative to the destination: its base name when the
	// source names the file, its path below the directory the source names.
	Rel string
}

// IgnoreRule is the pattern of the ignore file that keeps a path from the builder.
type IgnoreRule struct {
	File    string `json:"file"`    // the ignore file, relative to the context
	Line    int    `json:"line"`    // 1-based; 0 when the file could not be read again
	Pattern string `json:"pattern"` // as the ignore file normalises it
}

func (r IgnoreRule) String() string {
	if r.Line == 0 {
		return fmt.Sprintf("%s pattern `%s`", r.File, r.Pattern)
	}
	return fmt.Sprintf("%s line %d (`%s`)", r.File, r.Line, r.Pattern)
}

// Resolution is what one COPY/ADD source names in the context.
type Resolution struct {
	Source   string // as written
	Path     string // cleaned and relative to the context root; "." for the root
	Wildcard bool   // an element is a pattern; BuildKit copies nothing, without error, when it matches nothing
	// Copies are the sent files the source copies, in path order. Resolve
	// shares them between its callers: read them, do not change them.
	Copies []Copied
	Bytes  int64
	// Dir is set when a literal source names a directory.
	Dir bool
	// Missing is set when the source names nothing in the context, sent or not.
	Missing bool
	// Excluded is set when what the source names exists but the ignore file
	// keeps all of it from the builder; Rule is the pattern responsible when it
	// can be told.
	Excluded bool
	Rule     *IgnoreRule
	// Unresolved is set when a symbolic link lies on the way: the builder
	// follows it, this index does not, so the other fields say nothing.
	Unresolved bool
}

// NewResolver indexes c; c must not change afterwards.
func NewResolver(c *Context) *Resolver {
	r := &Resolver{c: c, keys: make([]string, len(c.Files)), order: make([]int, len(c.Files)), results: map[string]Resolution{}}
	for i := range c.Files {
		r.order[i] = i
	}
	for i, f := range c.Files {
		r.keys[i] = key(f.Path)
	}
	sort.Sort(byKey{r})
	for _, p := range c.Pruned {
		r.pruned = append(r.pruned, key(p))
	}
	sort.Strings(r.pruned)
	return r
}

type byKey struct{ r *Resolver }

func (b byKey) Len() int           { return len(b.r.keys) }
func (b byKey) Less(i, j int) bool { return b.r.keys[i] < b.r.keys[j] }
func (b byKey) Swap(i, j int) {
	b.r.keys[i], b.r.keys[j] = b.r.keys[j], b.r.keys[i]
	b.r.order[i], b.r.order[j] = b.r.order[j], b.r.order[i]
}

func key(p string) string { return strings.ReplaceAll(p, "/", "\x00") }

// Context returns the context r answers for.
func (r *Resolver) Context() *Context { return r.c }

// CleanSource turns a COPY/ADD source as written into a path relative to the
// context root, as BuildKit does: "." for the root.
func CleanSource(src string) string {
	p := path.Clean("/" + filepath.ToSlash(src))
	if p == "/" {
		return "."
	}
	return p[1:]
}

func hasMeta(s string) bool { return strings.ContainsAny(s, `*?[\`) }

// Resolve tells what src names. excludes are the patterns of the instruction's
// --exclude flags, matched against each copied file's path below the source.
func (r *Resolver) Resolve(src string, excludes ...string) Resolution {
	ck := src + "\x00" + strings.Join(excludes, "\x00")
	r.mu.Lock()
	res, ok := r.results[ck]
	r.mu.Unlock()
	if ok {
		return res
	}
	res = r.resolve(src, excludes)
	r.mu.Lock()
	r.results[ck] = res
	r.mu.Unlock()
	return res
}

func (r *Resolver) resolve(src string, excludes []string) Resolution {
	res := Resolution{Source: src, Path: CleanSource(src)}
	res.Wildcard = hasMeta(res.Path)
	matches, prunedHit := r.expand(res.Path)
	var ex *patternmatcher.PatternMatcher
	if len(excludes) > 0 {
		ex, _ = patternmatcher.New(excludes)
	}
	excludedSomething := prunedHit != ""
	excludedPath := prunedHit
	found := false
	for _, m := range matches {
		if i, ok := r.file(m); ok {
			found = true
			f := r.c.Files[i]
			if f.Ignored {
				excludedSomething = true
				if excludedPath == "" {
					excludedPath = m
				}
				continue
			}
			res.add(f, path.Base(m), ex)
			continue
		}
		lo, hi := r.under(m)
		if lo == hi && !r.hasPrunedUnder(m) {
			if under := r.prunedAncestor(m); under != "" {
				found, excludedSomething = true, true
				if excludedPath == "" {
					excludedPath = m
				}
			}
			continue
		}
		found = true
		if !res.Wildcard {
			res.Dir = true
		}
		sent := 0
		for _, i := range r.order[lo:hi] {
			f := r.c.Files[i]
			if f.Ignored {
				continue
			}
			sent++
			rel := f.Path
			if m != "." {
				rel = f.Path[len(m)+1:]
			}
			res.add(f, rel, ex)
		}
		if sent == 0 && r.excluded(m) {
			excludedSomething = true
			if excludedPath == "" {
				excludedPath = m
			}
		}
	}
	sort.Slice(res.Copies, func(i, j int) bool { return res.Copies[i].Path < res.Copies[j].Path })
	switch {
	case len(res.Copies) > 0:
	case excludedSomething:
		res.Excluded = true
		res.Rule = r.ExcludedBy(excludedPath)
	case found:
		// an empty directory, or one whose files are all ignored while it is not
	case res.Wildcard:
		res.Missing = !r.symlinkOnTheWay(res.Path)
		res.Unresolved = !res.Missing
	default:
		r.checkDisk(&res)
	}
	return res
}

func (res *Resolution) add(f File, rel string, ex *patternmatcher.PatternMatcher) {
	if ex != nil {
		if m, _ := ex.MatchesOrParentMatches(rel); m {
			return
		}
	}
	res.Copies = append(res.Copies, Copied{File: f, Rel: rel})
	res.Bytes += f.Size
}

// checkDisk settles a literal source the index does not hold: an empty
// directory or a special file exists without a recorded file, and a path with a
// symbolic link on the way is the builder's to follow.
func (r *Resolver) checkDisk(res *Resolution) {
	if r.symlinkOnTheWay(res.Path) {
		res.Unresolved = true
		return
	}
	if r.c.Dir == "" {
		res.Missing = true
		return
	}
	st, err := os.Lstat(filepath.Join(r.c.Dir, filepath.FromSlash(res.Path)))
	if err != nil {
		// "a.txt/b" names nothing, just as a missing path does
		res.Missing = errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENOTDIR)
		res.Unresolved = !res.Missing
		return
	}
	res.Dir = st.IsDir()
	if r.excluded(res.Path) {
		res.Excluded = true
		res.Rule = r.ExcludedBy(res.Path)
	}
}

// symlinkOnTheWay reports whether a directory on the way to p is a symbolic
// link of the context.
func (r *Resolver) symlinkOnTheWay(p string) bool {
	for d := p; strings.Contains(d, "/"); {
		d = d[:strings.LastIndex(d, "/")]
		if hasMeta(d) {
			continue
		}
		if i, ok := r.file(d); ok && r.c.Files[i].Mode&fs.ModeSymlink != 0 {
			return true
		}
	}
	return false
}

// expand resolves the wildcards of p element by element and returns the paths
// that exist; prunedHit is a pruned directory the pattern reached into, whose
// contents are not known.
func (r *Resolver) expand(p string) (matches []string, prunedHit string) {
	if !hasMeta(p) {
		return []string{p}, ""
	}
	cands := []string{"."}
	for _, elem := range strings.Split(p, "/") {
		var next []string
		for _, c := range cands {
			if !hasMeta(elem) {
				next = append(next, join(c, elem))
				continue
			}
			if r.isPruned(c) {
				if prunedHit == "" {
					prunedHit = c
				}
				continue
			}
			for _, name := range r.children(c) {
				if ok, err := path.Match(elem, name); err == nil && ok {
					next = append(next, join(c, name))
				}
			}
		}
		cands = next
	}
	for _, c := range cands {
		if r.exists(c) {
			matches = append(matches, c)
		}
	}
	return matches, prunedHit
}

func join(dir, name string) string {
	if dir == "." {
		return name
	}
	return dir + "/" + name
}

// file finds the recorded file at p.
func (r *Resolver) file(p string) (int, bool) {
	k := key(p)
	i := sort.SearchStrings(r.keys, k)
	if i < len(r.keys) && r.keys[i] == k {
		return r.order[i], true
	}
	return 0, false
}

// under returns the run of keys below directory d ("." for all).
func (r *Resolver) under(d string) (lo, hi int) {
	if d == "." {
		return 0, len(r.keys)
	}
	return prefixRun(r.keys, key(d)+"\x00")
}

func prefixRun(keys []string, prefix string) (lo, hi int) {
	lo = sort.SearchStrings(keys, prefix)
	hi = lo + sort.Search(len(keys)-lo, func(i int) bool { return !strings.HasPrefix(keys[lo+i], prefix) })
	return lo, hi
}

func (r *Resolver) hasPrunedUnder(d string) bool {
	if d == "." {
		return len(r.pruned) > 0
	}
	lo, hi := prefixRun(r.pruned, key(d)+"\x00")
	return hi > lo
}

func (r *Resolver) isPruned(d string) bool {
	k := key(d)
	i := sort.SearchStrings(r.pruned, k)
	return i < len(r.pruned) && r.pruned[i] == k
}

// prunedAncestor returns the pruned directory that is p or holds p, or "".
// Pruned directories never nest, so the candidate is the greatest key not after p's.
func (r *Resolver) prunedAncestor(p string) string {
	k := key(p)
	i := sort.SearchStrings(r.pruned, k)
	if i < len(r.pruned) && r.pruned[i] == k {
		return p
	}
	if i > 0 && strings.HasPrefix(k, r.pruned[i-1]+"\x00") {
		return strings.ReplaceAll(r.pruned[i-1], "\x00", "/")
	}
	return ""
}

func (r *Resolver) exists(p string) bool {
	if p == "." {
		return true
	}
	if _, ok := r.file(p); ok {
		return true
	}
	lo, hi := r.under(p)
	return hi > lo || r.hasPrunedUnder(p) || r.prunedAncestor(p) != ""
}

// children lists the names directly below directory d, pruned directories included.
func (r *Resolver) children(d string) []string {
	var out []string
	collect := func(keys []string, prefix string) {
		lo, hi := 0, len(keys)
		if prefix != "" {
			lo, hi = prefixRun(keys, prefix)
		}
		last := ""
		for _, k := range keys[lo:hi] {
			name := k[len(prefix):]
			if i := strings.IndexByte(name, 0); i >= 0 {
				name = name[:i]
			}
			if name != last {
				out = append(out, name)
				last = name
			}
		}
	}
	prefix := ""
	if d != "." {
		prefix = key(d) + "\x00"
	}
	collect(r.keys, prefix)
	collect(r.pruned, prefix)
	sort.Strings(out)
	return dedupe(out)
}

func dedupe(s []string) []string {
	out := s[:0]
	for i, v := range s {
		if i == 0 || v != s[i-1] {
			out = append(out, v)
		}
	}
	return out
}

// Dirs lists every directory of the context that holds a recorded file or a
// pruned directory, "." excluded, sorted.
func (r *Resolver) Dirs() []string {
	seen := map[string]bool{}
	add := func(p string) {
		for d := p; strings.Contains(d, "/"); {
			d = d[:strings.LastIndex(d, "/")]
			if seen[d] {
				return
			}
			seen[d] = true
		}
	}
	for _, f := range r.c.Files {
		add(f.Path)
	}
	for _, p := range r.c.Pruned {
		seen[p] = true
		add(p)
	}
	out := make([]string, 0, len(seen))
	for d := range seen {
		out = append(out, d)
	}
	sort.Strings(out)
	return out
}

func (r *Resolver) patterns() {
	r.once.Do(func() {
		r.pm, _ = patternmatcher.New(r.c.Patterns)
		r.lines = ignoreLines(r.c)
		for _, p := range r.c.Patterns {
			m, err := patternmatcher.New([]string{strings.TrimPrefix(p, "!")})
			if err != nil {
				m = nil
			}
			r.single = append(r.single, m)
		}
	})
}

// excluded reports whether the ignore file keeps path p (a file or a
// directory) from the builder, with the parent-first evaluation the walk uses.
func (r *Resolver) excluded(p string) bool {
	r.patterns()
	r.pmu.Lock()
	defer r.pmu.Unlock()
	if r.pm == nil || len(r.c.Patterns) == 0 || p == "." {
		return false
	}
	var info patternmatcher.MatchInfo
	ignored := false
	elems := strings.Split(p, "/")
	for i := range elems {
		var err error
		ignored, info, err = r.pm.MatchesUsingParentResults(strings.Join(elems[:i+1], "/"), info)
		if err != nil {
			return false
		}
	}
	return ignored
}

// ExcludedBy names the ignore pattern that decides that p is not sent: the
// last pattern matching p or one of its parents, when it is not a `!`
// exception. It returns nil when p is sent or the deciding pattern cannot be told.
func (r *Resolver) ExcludedBy(p string) *IgnoreRule {
	r.patterns()
	r.pmu.Lock()
	defer r.pmu.Unlock()
	last := -1
	for i, m := range r.single {
		if m == nil {
			continue
		}
		if ok, err := m.MatchesOrParentMatches(p); err == nil && ok {
			last = i
		}
	}
	if last < 0 || strings.HasPrefix(r.c.Patterns[last], "!") {
		return nil
	}
	rule := &IgnoreRule{File: r.c.IgnoreFile, Pattern: r.c.Patterns[last]}
	if last < len(r.lines) {
		rule.Line = r.lines[last]
	}
	return rule
}

// ignoreLines reads the ignore file again to number its patterns: the ignore
// file reader keeps one pattern per line that is neither blank nor a comment.
func ignoreLines(c *Context) []int {
	if c.IgnoreFile == "" || c.Dir == "" {
		return nil
	}
	data, err := os.ReadFile(filepath.Join(c.Dir, filepath.FromSlash(c.IgnoreFile)))
	if err != nil {
		return nil
	}
	var lines []int
	sc := bufio.NewScanner(bytes.NewReader(data))
	for n := 1; sc.Scan(); n++ {
		text := sc.Text()
		if n == 1 {
			text = strings.TrimPrefix(text, "\uFEFF")
		}
		if strings.HasPrefix(text, "#") || strings.TrimSpace(text) == "" {
			continue
		}
		lines = append(lines, n)
	}
	if len(lines) != len(c.Patterns) {
		return nil
	}
	return lines
}

// Suggest proposes what a missing source may have meant: the path with other
// letter case, or the only sent file elsewhere with the same name; "" when
// nothing fits.
func (r *Resolver) Suggest(p string) string {
	base := path.Base(p)
	var sameBase []string
	for _, f := range r.c.Files {
		if f.Ignored {
			continue
		}
		if strings.EqualFold(f.Path, p) {
			return f.Path
		}
		if path.Base(f.Path) == base {
			sameBase = append(sameBase, f.Path)
		}
	}
	for _, d := range r.Dirs() {
		if strings.EqualFold(d, p) && !r.excluded(d) {
			return d
		}
	}
	if len(sameBase) == 1 {
		return sameBase[0]
	}
	return ""
}
