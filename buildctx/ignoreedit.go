package buildctx

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/moby/patternmatcher/ignorefile"
)

// IgnoreEdit is an append to the ignore file in use, or a new .dockerignore:
// what `shipshape context --write-dockerignore` writes, and shows as a diff
// without it.
type IgnoreEdit struct {
	// File is the ignore file, relative to the context: the one in use, or
	// .dockerignore when there is none.
	File   string
	Create bool
	// Lines are appended in order; lines the file already holds are left out.
	Lines []string
	// OldLines is how many lines the file has; LastLine is the last of them.
	OldLines int
	LastLine string
	// NoFinalNewline is set when the file does not end with a newline: the
	// edit adds one before its lines.
	NoFinalNewline bool
	// CRLF is set when the file's lines end with CRLF; the edit follows it.
	CRLF bool

	dir string
}

// PlanIgnoreEdit prepares appending lines to the context's ignore file. It
// reads the file but writes nothing; an edit with no Lines changes nothing.
func (c *Context) PlanIgnoreEdit(lines []string) (*IgnoreEdit, error) {
	e := &IgnoreEdit{File: c.IgnoreFile, dir: c.Dir}
	if e.File == "" {
		e.File, e.Create = ".dockerignore", true
	}
	var have map[string]bool
	if !e.Create {
		data, err := os.ReadFile(filepath.Join(c.Dir, filepath.FromSlash(e.File)))
		if err != nil {
			return nil, fmt.Errorf("reading ignore file %q: %w", e.File, err)
		}
		e.CRLF = bytes.Contains(data, []byte("\r\n"))
		text := strings.ReplaceAll(string(data), "\r\n", "\n")
		if text != "" {
			e.NoFinalNewline = !strings.HasSuffix(text, "\n")
			all := strings.Split(strings.TrimSuffix(text, "\n"), "\n")
			e.OldLines, e.LastLine = len(all), all[len(all)-1]
		}
		have = map[string]bool{}
		pats, _ := ignorefile.ReadAll(strings.NewReader(text))
		for _, p := range pats {
			have[p] = true
		}
	}
	seen := map[string]bool{}
	for _, l := range lines {
		norm, _ := ignorefile.ReadAll(strings.NewReader(l))
		if l == "" || seen[l] || len(norm) == 1 && have[norm[0]] {
			continue
		}
		seen[l] = true
		e.Lines = append(e.Lines, l)
	}
	return e, nil
}

// Apply writes the edit: it appends to the ignore file, or creates
// .dockerignore. It writes only inside the context directory, never through
// a symbolic link, and never replaces a file that appeared since the plan.
func (e *IgnoreEdit) Apply() error {
	if len(e.Lines) == 0 {
		return nil
	}
	name, err := e.target()
	if err != nil {
		return err
	}
	nl := "\n"
	if e.CRLF {
		nl = "\r\n"
	}
	var b strings.Builder
	if e.NoFinalNewline {
		b.WriteString(nl)
	}
	for _, l := range e.Lines {
		b.WriteString(l + nl)
	}
	flag := os.O_WRONLY | os.O_APPEND
	if e.Create {
		flag = os.O_WRONLY | os.O_CREATE | os.O_EXCL
	}
	f, err := os.OpenFile(name, flag, 0o644)
	if err != nil {
		return fmt.Errorf("writing ignore file %q: %w", e.File, err)
	}
	if _, err := f.WriteString(b.String()); err != nil {
		f.Close()
		return fmt.Errorf("writing ignore file %q: %w", e.File, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("writing ignore file %q: %w", e.File, err)
	}
	return nil
}

// target is the file to write, checked to lie inside the context.
func (e *IgnoreEdit) target() (string, error) {
	rel := filepath.FromSlash(e.File)
	if filepath.IsAbs(rel) || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return "", fmt.Errorf("writing ignore file %q: it lies outside the build context %q; add the lines by hand", e.File, e.dir)
	}
	root, err := filepath.EvalSymlinks(e.dir)
	if err != nil {
		return "", fmt.Errorf("writing ignore file %q: %w", e.File, err)
	}
	name := filepath.Join(e.dir, rel)
	parent, err := filepath.EvalSymlinks(filepath.Dir(name))
	if err != nil {
		return "", fmt.Errorf("writing ignore file %q: %w", e.File, err)
	}
	if parent != root && !strings.HasPrefix(parent, root+string(filepath.Separator)) {
		return "", fmt.Errorf("writing ignore file %q: its directory leads outside the build context %q; add the lines by hand", e.File, e.dir)
	}
	st, err := os.Lstat(name)
	switch {
	case e.Create && err == nil:
		return "", fmt.Errorf("writing ignore file %q: it was created meanwhile; run again", e.File)
	case !e.Create && err != nil:
		return "", fmt.Errorf("writing ignore file %q: %w", e.File, err)
	case !e.Create && st.Mode()&fs.ModeSymlink != 0:
		return "", fmt.Errorf("writing ignore file %q: it is a symbolic link; add the lines by hand", e.File)
	case !e.Create && !st.Mode().IsRegular():
		return "", fmt.Errorf("writing ignore file %q: not a regular file", e.File)
	case err != nil && !errors.Is(err, fs.ErrNotExist):
		return "", fmt.Errorf("writing ignore file %q: %w", e.File, err)
	}
	return filepath.Join(parent, filepath.Base(name)), nil
}
