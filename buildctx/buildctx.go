package buildctx

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"

	"github.com/moby/patternmatcher"
	"github.com/moby/patternmatcher/ignorefile"
)

// File is one regular file of the context; only its metadata is read.
type File struct {
	Path    string // slash-separated, relative to the context root
	Size    int64
	Mode    fs.FileMode
	Ignored bool
}

// Problem is a path the walk could not measure; it never stops the walk.
type Problem struct {
	Path   string `json:"path"`
	Reason string `json:"reason"`
}

// Usage counts files and their bytes. Symbolic links count as files of zero
// bytes: Docker sends the link, not what it points to.
type Usage struct {
	Files int   `json:"files"`
	Bytes int64 `json:"bytes"`
}

// Dir is a directory the walk entered.
type Dir struct {
	Path string // slash-separated, relative to the context root
	// Ignored is set when the patterns exclude the directory itself; it was
	// entered because an exception may bring back something below it.
	Ignored bool
	// Sent is what the sent files beneath it add up to, at any depth.
	Sent Usage

	first, end int // its files are Files[first:end]
}

// Context is the measured build context.
//
// As in BuildKit, the Dockerfile travels to the builder separately, so it and
// .dockerignore are counted in the context only when the patterns let them through.
type Context struct {
	Dir string
	// Dockerfile is the Dockerfile given to Load ("Dockerfile" by default),
	// relative to Dir unless absolute.
	Dockerfile string
	IgnoreFile string // the ignore file used, relative to Dir, or ""
	Patterns   []string
	// Files are in walk order: depth first, a directory's entries by name, so
	// the files under a directory are one run of the slice.
	Files []File
	// Dirs are the directories entered, in the same order; the root is not one.
	Dirs     []Dir
	Problems []Problem
	// Pruned lists excluded directories that were never entered, because no
	// exception pattern can bring anything below them back; their files are
	// not in Files, which is what keeps a huge ignored node_modules cheap.
	Pruned []string
	// PrunedUsage is what each pruned directory holds, measured by a walk that
	// only stats (nil when Load was told WithoutPrunedSizes). Its files are in
	// the Ignored totals.
	PrunedUsage  map[string]Usage
	SentFiles    int
	SentBytes    int64
	IgnoredFiles int
	IgnoredBytes int64

	mu         sync.Mutex
	exceptions []exception
	excDone    bool
}

// Option changes how Load walks.
type Option func(*options)

type options struct {
	prunedSizes bool
	workers     int
}

// WithoutPrunedSizes skips measuring pruned directories, for callers that
// only need what is sent; by default they are measured so that the ignored
// totals are exact.
func WithoutPrunedSizes() Option { return func(o *options) { o.prunedSizes = false } }

// WithWorkers sets how many directories are read at once; the default is
// GOMAXPROCS. One walks the tree on the calling goroutine only.
func WithWorkers(n int) Option { return func(o *options) { o.workers = n } }

// Load walks dir; dockerfile (relative to dir, or "" for "Dockerfile") selects
// the Dockerfile-specific <Dockerfile>.dockerignore, which wins over .dockerignore.
// It reads no file's contents, only the ignore file.
func Load(dir, dockerfile string, opts ...Option) (*Context, error) {
	o := options{prunedSizes: true}
	for _, opt := range opts {
		opt(&o)
	}
	st, err := os.Stat(dir)
	if err != nil {
		return nil, fmt.Errorf("loading build context %q: %w", dir, err)
	}
	if !st.IsDir() {
		return nil, fmt.Errorf("loading build context %q: not a directory", dir)
	}
	if dockerfile == "" {
		dockerfile = "Dockerfile"
	}
	c := &Context{Dir: dir, Dockerfile: dockerfile}
	name, patterns, err := readIgnore(dir, dockerfile)
	if err != nil {
		return nil, err
	}
	c.IgnoreFile, c.Patterns = name, patterns
	if _, err := patternmatcher.New(patterns); err != nil {
		return nil, fmt.Errorf("loading build context %q: parsing %s: %w", dir, name, err)
	}
	c.walk(o)
	return c, nil
}

// readIgnore mirrors the docker CLI: <Dockerfile>.dockerignore next to the
// Dockerfile first, then .dockerignore at the context root.
func readIgnore(dir, dockerfile string) (string, []string, error) {
	df := dockerfile
	if !filepath.IsAbs(df) {
		df = filepath.Join(dir, df)
	}
	candidates := []string{df + ".dockerignore", filepath.Join(dir, ".dockerignore")}
	for _, p := range candidates {
		f, err := os.Open(p)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return "", nil, fmt.Errorf("reading ignore file %q: %w", p, err)
		}
		lines, err := ignorefile.ReadAll(f)
		f.Close()
		if err != nil {
			return "", nil, fmt.Errorf("reading ignore file %q: %w", p, err)
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			rel = filepath.Base(p)
		}
		return filepath.ToSlash(rel), lines, nil
	}
	return "", nil, nil
}

// reachable reports whether an exception pattern might re-include something
// under dir. It compares the literal prefix of each exception (up to its first
// wildcard) with dir, so it errs towards walking: "!*.log" keeps every excluded
// directory walked, "!keep.log" lets node_modules be skipped.
func reachable(pm *patternmatcher.PatternMatcher, dir string) bool {
	d := dir + "/"
	for _, p := range pm.Patterns() {
		if !p.Exclusion() {
			continue
		}
		lit := literalPrefix(p.String())
		if strings.HasPrefix(d, lit) || strings.HasPrefix(lit, d) {
			return true
		}
	}
	return false
}

// literalPrefix is a pattern up to its first wildcard or escape.
func literalPrefix(p string) string {
	if i := strings.IndexAny(p, "*?[\\"); i >= 0 {
		return p[:i]
	}
	return p
}

func reason(err error) string {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}

// Entry is a file or directory with the bytes it sends.
type Entry struct {
	Path  string `json:"path"`
	Bytes int64  `json:"bytes"`
	Dir   bool   `json:"dir,omitempty"`
}

// Largest returns the n biggest sent entries; each directory counts the sum of
// the sent files beneath it, so one bulky tree shows as one line.
func (c *Context) Largest(n int) []Entry {
	if n <= 0 {
		return nil
	}
	// Keep the n best in a small sorted slice: most entries lose against its
	// last element at once, so this is one comparison per file.
	var top []Entry
	less := func(a, b Entry) bool {
		if a.Bytes != b.Bytes {
			return a.Bytes > b.Bytes
		}
		return a.Path < b.Path
	}
	offer := func(e Entry) {
		if len(top) == n && !less(e, top[n-1]) {
			return
		}
		i := sort.Search(len(top), func(i int) bool { return less(e, top[i]) })
		if len(top) < n {
			top = append(top, Entry{})
		}
		copy(top[i+1:], top[i:])
		top[i] = e
	}
	for _, f := range c.Files {
		if !f.Ignored {
			offer(Entry{Path: f.Path, Bytes: f.Size})
		}
	}
	for _, d := range c.Dirs {
		if d.Sent.Files > 0 {
			offer(Entry{Path: d.Path + "/", Bytes: d.Sent.Bytes, Dir: true})
		}
	}
	return top
}
