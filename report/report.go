package report

import (
	"fmt"
	"io"
	"sort"

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

var writers = map[string]Writer{}

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
