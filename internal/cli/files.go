package cli

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// maxDockerfileSize bounds what one file may cost in memory.
const maxDockerfileSize = 32 << 20

// skipDirs are never searched for Dockerfiles.
var skipDirs = map[string]bool{".git": true, "vendor": true, "node_modules": true, ".hg": true, ".svn": true}

// notDockerfiles are suffixes of files named like Dockerfiles that are not: ignore
// files, docs, and templates a generator turns into Dockerfiles (they do not parse
// until rendered; name one explicitly to lint it anyway).
var notDockerfiles = []string{".dockerignore", ".md", ".tmpl", ".template", ".tpl", ".j2", ".jinja", ".jinja2", ".erb", ".in"}

// isDockerfileName reports whether a file name is one shipshape lints when it
// searches a directory.
func isDockerfileName(name string) bool {
	lower := strings.ToLower(name)
	switch {
	case lower == "dockerfile", lower == "containerfile":
		return true
	case strings.HasPrefix(lower, "dockerfile.") || strings.HasPrefix(lower, "containerfile."):
		for _, ext := range notDockerfiles {
			if strings.HasSuffix(lower, ext) {
				return false
			}
		}
		return true
	case strings.HasSuffix(lower, ".dockerfile"):
		return true
	}
	return false
}

// input is one Dockerfile to lint, or the error met while finding or reading it.
type input struct {
	name   string
	src    []byte
	err    error
	unread bool // a file to read: the lint workers read in parallel
}

// collect expands the command-line paths into Dockerfiles: files as given,
// directories searched recursively, "-" for standard input (read here). Errors are
// per path; files are left unread for the workers.
func collect(paths []string, stdin io.Reader) []input {
	var out []input
	for _, p := range paths {
		if p == "-" {
			src, err := readBounded(stdin, "<stdin>")
			out = append(out, input{name: "<stdin>", src: src, err: err})
			continue
		}
		st, err := os.Stat(p)
		if err != nil {
			out = append(out, input{name: p, err: fmt.Errorf("reading %q: %w", p, unwrapPathErr(err))})
			continue
		}
		if !st.IsDir() {
			out = append(out, input{name: p, unread: true})
			continue
		}
		var found []string
		walkErr := filepath.WalkDir(p, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				out = append(out, input{name: path, err: fmt.Errorf("searching %q: %w", path, unwrapPathErr(err))})
				if d != nil && d.IsDir() {
					return fs.SkipDir
				}
				return nil
			}
			if d.IsDir() {
				if path != p && skipDirs[d.Name()] {
					return fs.SkipDir
				}
				return nil
			}
			if d.Type().IsRegular() && isDockerfileName(d.Name()) {
				found = append(found, path)
			}
			return nil
		})
		if walkErr != nil {
			out = append(out, input{name: p, err: fmt.Errorf("searching %q: %w", p, walkErr)})
		}
		sort.Strings(found)
		for _, f := range found {
			out = append(out, input{name: f, unread: true})
		}
	}
	return out
}

func unwrapPathErr(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

func readInput(path string) input {
	st, err := os.Stat(path)
	if err != nil {
		return input{name: path, err: fmt.Errorf("reading %q: %w", path, unwrapPathErr(err))}
	}
	if !st.Mode().IsRegular() {
		return input{name: path, err: fmt.Errorf("reading %q: not a regular file (%s)", path, st.Mode().Type())}
	}
	f, err := os.Open(path)
	if err != nil {
		return input{name: path, err: fmt.Errorf("reading %q: %w", path, unwrapPathErr(err))}
	}
	defer f.Close()
	src, err := readBounded(f, path)
	return input{name: path, src: src, err: err}
}

func readBounded(r io.Reader, name string) ([]byte, error) {
	src, err := io.ReadAll(io.LimitReader(r, maxDockerfileSize+1))
	if err != nil {
		return nil, fmt.Errorf("reading %q: %w", name, unwrapPathErr(err))
	}
	if len(src) > maxDockerfileSize {
		return nil, fmt.Errorf("reading %q: larger than %d MiB: not a Dockerfile shipshape will lint", name, maxDockerfileSize>>20)
	}
	if i := bytes.IndexByte(src[:min(len(src), 8192)], 0); i >= 0 {
		return nil, fmt.Errorf("reading %q: binary content (a NUL byte at offset %d): not a Dockerfile", name, i)
	}
	return src, nil
}
