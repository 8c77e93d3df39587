package report

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"path"
	"path/filepath"
	"sort"
	"strings"

	"github.com/shipshape-dev/shipshape/lint"
)

// SchemaVersion is the version of the JSON report schema (docs/json-schema.md).
const SchemaVersion = 1

// Report is everything one `shipshape lint` run found.
type Report struct {
	Tool     string // "shipshape"
	Version  string
	Findings []lint.Finding // sorted by file, line, column, code
	Rules    []*lint.Rule   // every rule known, for SARIF's rule table
	// Sources maps a file name to its lines, for code frames; optional.
	Sources map[string][]string
	// Files is the number of Dockerfiles linted.
	Files int
}

// Options tune the writers.
type Options struct {
	Color bool // ANSI colour in text output
}

// Writer renders a report in one format.
type Writer func(w io.Writer, r *Report, o Options) error

// writers names every format; adding one means adding a line here and a file
// beside this one, so the list cannot drift from the implementations.
var writers = map[string]Writer{
	"checkstyle": writeCheckstyle,
	"github":     writeGitHub,
	"gitlab":     writeGitLab,
	"json":       writeJSON,
	"sarif":      writeSARIF,
	"text":       writeText,
}

// Formats lists the format names, sorted.
func Formats() []string {
	var out []string
	for k := range writers {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// Write renders r in the named format.
func Write(w io.Writer, format string, r *Report, o Options) error {
	fn, ok := writers[format]
	if !ok {
		return fmt.Errorf("unknown format %q: want one of %v", format, Formats())
	}
	return fn(w, r, o)
}

// counts tallies findings per severity, indexed by lint.Severity; every format
// summarises with the same numbers.
func counts(fs []lint.Finding) [lint.None]int {
	var c [lint.None]int
	for _, f := range fs {
		if f.Severity >= 0 && f.Severity < lint.None {
			c[f.Severity]++
		}
	}
	return c
}

// slashPath is a file name as CI systems expect it: forward slashes, no "./",
// so the same report reads alike on Windows and Unix.
func slashPath(name string) string {
	p := path.Clean(filepath.ToSlash(name))
	return strings.TrimPrefix(p, "./")
}

// fingerprint hashes its parts with a separator that cannot occur in them, so
// ("ab","c") and ("a","bc") differ.
func fingerprint(parts ...string) string {
	h := sha256.New()
	for _, p := range parts {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil))
}
