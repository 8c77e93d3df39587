package buildctx

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/moby/patternmatcher"
)

// Questions that checks ask of a measured context. They are safe to call from
// one goroutine at a time per context, and cheap after the first call.

// DirAt returns the directory entered at path p.
func (c *Context) DirAt(p string) (Dir, bool) {
	i := sort.Search(len(c.Dirs), func(i int) bool { return !walkLess(c.Dirs[i].Path, p) })
	if i < len(c.Dirs) && c.Dirs[i].Path == p {
		return c.Dirs[i], true
	}
	return Dir{}, false
}

// FileAt returns the file recorded at path p (sent or ignored).
func (c *Context) FileAt(p string) (File, bool) {
	i := sort.Search(len(c.Files), func(i int) bool { return !walkLess(c.Files[i].Path, p) })
	if i < len(c.Files) && c.Files[i].Path == p {
		return c.Files[i], true
	}
	return File{}, false
}

// FilesUnder returns the files recorded below directory p, sent or not, in
// walk order; "." is the whole context. It shares memory with Files.
func (c *Context) FilesUnder(p string) []File {
	if p == "." || p == "" {
		return c.Files
	}
	d, ok := c.DirAt(p)
	if !ok {
		return nil
	}
	return c.Files[d.first:d.end]
}

// SentUnder returns what path p sends: the file itself, or the sent files
// below the directory.
func (c *Context) SentUnder(p string) Usage {
	if d, ok := c.DirAt(p); ok {
		return d.Sent
	}
	if f, ok := c.FileAt(p); ok && !f.Ignored {
		return Usage{Files: 1, Bytes: f.Size}
	}
	return Usage{}
}

// exception is a `!` pattern of the ignore file, matched on its own.
type exception struct {
	pm  *patternmatcher.PatternMatcher
	lit string // the pattern up to its first wildcard
}

// Reincluded reports whether the ignore file deliberately sends path p: an
// exception pattern (`!p`) names p or one of its parents, or brings back a
// sent file below it. A check should not suggest ignoring such a path:
// appending a line for it would undo the user's own exception.
func (c *Context) Reincluded(p string) bool {
	c.mu.Lock()
	if !c.excDone {
		c.excDone = true
		for _, pat := range c.Patterns {
			if !strings.HasPrefix(pat, "!") {
				continue
			}
			pm, err := patternmatcher.New([]string{pat[1:]})
			if err != nil {
				continue
			}
			c.exceptions = append(c.exceptions, exception{pm, literalPrefix(pat[1:])})
		}
	}
	exc := c.exceptions
	c.mu.Unlock()
	if len(exc) == 0 {
		return false
	}
	for _, e := range exc {
		if ok, _ := e.pm.MatchesOrParentMatches(p); ok {
			return true
		}
		if strings.HasPrefix(e.lit, p+"/") {
			return true
		}
	}
	if _, ok := c.DirAt(p); !ok {
		return false
	}
	for _, f := range c.FilesUnder(p) {
		if f.Ignored {
			continue
		}
		for _, e := range exc {
			if ok, _ := e.pm.MatchesOrParentMatches(f.Path); ok {
				return true
			}
		}
	}
	return false
}

// ReadHead reads at most n bytes from the start of the sent regular file p.
// Checks that must look inside a file (is this .pem a private key?) read only
// the few candidates they name, and only their first bytes; symbolic links
// are not followed, as Docker sends the link and not its target.
func (c *Context) ReadHead(p string, n int) ([]byte, error) {
	name := filepath.Join(c.Dir, filepath.FromSlash(p))
	st, err := os.Lstat(name)
	if err != nil {
		return nil, fmt.Errorf("reading %q: %w", p, err)
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("reading %q: not a regular file", p)
	}
	f, err := os.Open(name)
	if err != nil {
		return nil, fmt.Errorf("reading %q: %w", p, err)
	}
	defer f.Close()
	if fst, err := f.Stat(); err != nil || !os.SameFile(st, fst) {
		return nil, fmt.Errorf("reading %q: the file changed while being read", p)
	}
	buf := make([]byte, n)
	m, err := io.ReadFull(f, buf)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("reading %q: %w", p, err)
	}
	return buf[:m], nil
}

// HumanBytes writes a size in binary units with one decimal ("225.3 MiB"),
// and exactly below 1 KiB ("512 B").
func HumanBytes(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}
