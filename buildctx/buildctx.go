package buildctx

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

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

// Context is the measured build context.
//
// As in BuildKit, the Dockerfile travels to the builder separately, so it and
// .dockerignore are counted in the context only when the patterns let them through.
type Context struct {
	Dir        string
	IgnoreFile string // the ignore file used, relative to Dir, or ""
	Patterns   []string
	Files      []File
	Problems   []Problem
	// Pruned lists excluded directories that were never entered; their files
	// are not in Files nor in the Ignored totals, which is what keeps a huge
	// ignored node_modules free.
	Pruned       []string
	SentFiles    int
	SentBytes    int64
	IgnoredFiles int
	IgnoredBytes int64
}

// Load walks dir; dockerfile (relative to dir, or "" for "Dockerfile") selects
// the Dockerfile-specific <Dockerfile>.dockerignore, which wins over .dockerignore.
func Load(dir, dockerfile string) (*Context, error) {
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
	c := &Context{Dir: dir}
	name, patterns, err := readIgnore(dir, dockerfile)
	if err != nil {
		return nil, err
	}
	c.IgnoreFile, c.Patterns = name, patterns
	pm, err := patternmatcher.New(patterns)
	if err != nil {
		return nil, fmt.Errorf("loading build context %q: parsing %s: %w", dir, name, err)
	}
	c.walk(dir, pm)
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

func (c *Context) walk(root string, pm *patternmatcher.PatternMatcher) {
	parents := map[string]patternmatcher.MatchInfo{}
	_ = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		rel, _ := filepath.Rel(root, p)
		rel = filepath.ToSlash(rel)
		if err != nil {
			c.Problems = append(c.Problems, Problem{rel, err.Error()})
			return nil
		}
		if rel == "." {
			return nil
		}
		parent := parents[filepath.ToSlash(filepath.Dir(rel))]
		ignored, info, merr := pm.MatchesUsingParentResults(rel, parent)
		if merr != nil {
			c.Problems = append(c.Problems, Problem{rel, merr.Error()})
			return nil
		}
		if d.IsDir() {
			// When no exception pattern can reach below an excluded directory,
			// nothing under it comes back, so a huge ignored node_modules costs nothing.
			if ignored && !reachable(pm, rel) {
				c.Pruned = append(c.Pruned, rel)
				return filepath.SkipDir
			}
			parents[rel] = info
			return nil
		}
		c.addFile(p, rel, d, ignored)
		return nil
	})
	sort.Slice(c.Problems, func(i, j int) bool { return c.Problems[i].Path < c.Problems[j].Path })
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
		lit := p.String()
		if i := strings.IndexAny(lit, "*?[\\"); i >= 0 {
			lit = lit[:i]
		}
		if strings.HasPrefix(d, lit) || strings.HasPrefix(lit, d) {
			return true
		}
	}
	return false
}

func (c *Context) addFile(p, rel string, d fs.DirEntry, ignored bool) {
	mode := d.Type()
	var size int64
	switch {
	case mode&fs.ModeSymlink != 0:
		// Docker sends the link itself, never its target, so a loop is harmless
		// to the build; we still note a dangling or looping link.
		if _, err := os.Stat(p); err != nil && !ignored {
			c.Problems = append(c.Problems, Problem{rel, "symlink: " + reason(err)})
		}
	case mode&(fs.ModeSocket|fs.ModeNamedPipe|fs.ModeDevice) != 0:
		if !ignored {
			c.Problems = append(c.Problems, Problem{rel, "special file (" + mode.String() + ") not sent"})
		}
		return
	default:
		info, err := d.Info()
		if err != nil {
			c.Problems = append(c.Problems, Problem{rel, reason(err)})
			return
		}
		size, mode = info.Size(), info.Mode()
		if !ignored && info.Mode().Perm()&0o444 == 0 {
			c.Problems = append(c.Problems, Problem{rel, "unreadable: the build fails sending it"})
		}
	}
	c.Files = append(c.Files, File{Path: rel, Size: size, Mode: mode, Ignored: ignored})
	if ignored {
		c.IgnoredFiles++
		c.IgnoredBytes += size
	} else {
		c.SentFiles++
		c.SentBytes += size
	}
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
	sums := map[string]int64{}
	var out []Entry
	for _, f := range c.Files {
		if f.Ignored {
			continue
		}
		out = append(out, Entry{Path: f.Path, Bytes: f.Size})
		for d := f.Path; strings.Contains(d, "/"); {
			d = d[:strings.LastIndex(d, "/")]
			sums[d] += f.Size
		}
	}
	for d, b := range sums {
		out = append(out, Entry{Path: d + "/", Bytes: b, Dir: true})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Bytes != out[j].Bytes {
			return out[i].Bytes > out[j].Bytes
		}
		return out[i].Path < out[j].Path
	})
	if len(out) > n {
		out = out[:n]
	}
	return out
}
