package report

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"path"
	"strconv"
	"strings"

	"github.com/shipshape-dev/shipshape/buildctx"
	"github.com/shipshape-dev/shipshape/lint"
)

// ContextSchemaVersion is the version of the context JSON schema
// (docs/json-schema.md, docs/context.schema.json).
const ContextSchemaVersion = 1

// ContextReport is what one `shipshape context` run measured and found.
type ContextReport struct {
	// Report holds the findings, their file names as the user names them (the
	// context directory joined to each path), and the rules for SARIF.
	Report
	Context *buildctx.Context
	// Name is the context directory as the user gave it.
	Name    string
	Largest []buildctx.Entry
	// Edit is the append to the ignore file that the findings suggest; nil or
	// without Lines when there is none. Written says it has been applied.
	Edit    *buildctx.IgnoreEdit
	Written bool
	// Dockerfile names the Dockerfile Cache was computed from ("" when the
	// context has none); Cache says, for each step that reads the context,
	// which later steps a change under what it reads rebuilds.
	Dockerfile string
	Cache      []buildctx.Invalidation
}

// WriteContext renders a context report: text and json have their own
// layouts; the CI formats (sarif, checkstyle, gitlab, github) carry the
// findings as they do for lint.
func WriteContext(w io.Writer, format string, r *ContextReport, o Options) error {
	switch format {
	case "text":
		return writeContextText(w, r, o)
	case "json":
		return writeContextJSON(w, r)
	}
	return Write(w, format, &r.Report, o)
}

func writeContextText(w io.Writer, r *ContextReport, o Options) error {
	b := bufio.NewWriter(w)
	p := painter(o.Color)
	c := r.Context
	ignore := "none"
	if c.IgnoreFile != "" {
		ignore = c.IgnoreFile
	}
	fmt.Fprintf(b, "ignore file: %s\n", ignore)
	fmt.Fprintf(b, "sent:    %s, %s\n", countFiles(c.SentFiles), buildctx.HumanBytes(c.SentBytes))
	fmt.Fprintf(b, "ignored: %s, %s", countFiles(c.IgnoredFiles), buildctx.HumanBytes(c.IgnoredBytes))
	if n := len(c.Pruned); n > 0 {
		what := "measured by size only"
		if c.PrunedUsage == nil {
			what = "not measured"
		}
		fmt.Fprintf(b, " (%d %s not entered, %s)", n, plural2(n, "directory", "directories"), what)
	}
	b.WriteString("\n")
	if saves := c.Savings(); len(saves) > 0 {
		fmt.Fprintf(b, "kept out by %s:\n", c.IgnoreFile)
		for _, s := range saves {
			fmt.Fprintf(b, "  %10s  %-12s %s\n", buildctx.HumanBytes(s.Bytes), countFiles(s.Files), s.Pattern)
		}
	}
	if len(r.Largest) > 0 {
		b.WriteString("largest sent:\n")
		for _, e := range r.Largest {
			fmt.Fprintf(b, "  %10s  %s\n", buildctx.HumanBytes(e.Bytes), e.Path)
		}
	}
	for _, pr := range c.Problems {
		fmt.Fprintf(b, "problem: %s: %s\n", pr.Path, pr.Reason)
	}
	writeCacheMap(b, r)
	if len(r.Findings) > 0 {
		b.WriteString("\n")
	}
	for _, f := range r.Findings {
		writeTextFinding(b, p, f)
		b.WriteString("\n")
	}
	if e := r.Edit; e != nil && len(e.Lines) > 0 {
		name := path.Join(r.Name, e.File)
		if r.Written {
			fmt.Fprintf(b, "appended %s to %s:\n", plural(len(e.Lines), "line", "lines"), name)
		} else {
			fmt.Fprintf(b, "shipshape context --write-dockerignore would change %s:\n", name)
		}
		writeIgnoreDiff(b, p, name, e)
		b.WriteString("\n")
	}
	b.WriteString(contextSummary(r.Findings) + "\n")
	return b.Flush()
}

// writeCacheMap lists, per step that reads the context, what a change to one
// of its files rebuilds: the RUN steps are what costs build time.
func writeCacheMap(b *bufio.Writer, r *ContextReport) {
	if len(r.Cache) == 0 {
		return
	}
	fmt.Fprintf(b, "cache: a change to a file read by a step rebuilds the steps after it (%s):\n", r.Dockerfile)
	for _, inv := range r.Cache {
		fmt.Fprintf(b, "  line %d  %s  reads %s, %s", inv.Step.Line, inv.Step.Text, countFiles(inv.Files), buildctx.HumanBytes(inv.Bytes))
		runs := inv.Runs()
		switch {
		case len(inv.Invalidates) == 0:
			b.WriteString("; rebuilds nothing after it\n")
		case len(runs) == 0:
			fmt.Fprintf(b, "; rebuilds %s, no RUN\n", plural(len(inv.Invalidates), "step", "steps"))
		default:
			lines := make([]string, len(runs))
			for i, s := range runs {
				lines[i] = strconv.Itoa(s.Line)
			}
			fmt.Fprintf(b, "; rebuilds %s, RUN at %s %s\n", plural(len(inv.Invalidates), "step", "steps"), plural2(len(runs), "line", "lines"), strings.Join(lines, ", "))
		}
	}
}

// writeIgnoreDiff shows the edit as a unified diff.
func writeIgnoreDiff(b *bufio.Writer, p painter, name string, e *buildctx.IgnoreEdit) {
	old := name
	if e.Create {
		old = "/dev/null"
	}
	fmt.Fprintf(b, "--- %s\n+++ %s\n", old, name)
	n := len(e.Lines)
	switch {
	case e.Create || e.OldLines == 0:
		fmt.Fprintf(b, "@@ -0,0 +1,%d @@\n", n)
	case e.NoFinalNewline:
		// the last line gains its newline, so it is replaced
		fmt.Fprintf(b, "@@ -%d +%d,%d @@\n", e.OldLines, e.OldLines, n+1)
		b.WriteString(p.paint(severityColor[lint.Error], "-"+e.LastLine) + "\n\\ No newline at end of file\n")
		b.WriteString(p.paint(severityColor[lint.Style], "+"+e.LastLine) + "\n")
	default:
		fmt.Fprintf(b, "@@ -%d,0 +%d,%d @@\n", e.OldLines, e.OldLines+1, n)
	}
	for _, l := range e.Lines {
		b.WriteString(p.paint(severityColor[lint.Style], "+"+l) + "\n")
	}
}

func contextSummary(fs []lint.Finding) string {
	if len(fs) == 0 {
		return "no findings in the build context"
	}
	c := counts(fs)
	return fmt.Sprintf("%s (%s, %s, %d info, %d style) in the build context",
		plural(len(fs), "finding", "findings"),
		plural(c[lint.Error], "error", "errors"), plural(c[lint.Warning], "warning", "warnings"),
		c[lint.Info], c[lint.Style])
}

func countFiles(n int) string { return plural(n, "file", "files") }

// plural2 is plural without the count when it is 1.
func plural2(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// The context JSON document; its own types, like the lint report's, so that
// library changes cannot silently change the documented schema.
type jsonContext struct {
	SchemaVersion int                `json:"schemaVersion"`
	Tool          jsonTool           `json:"tool"`
	IgnoreFile    string             `json:"ignoreFile"`
	SentFiles     int                `json:"sentFiles"`
	SentBytes     int64              `json:"sentBytes"`
	IgnoredFiles  int                `json:"ignoredFiles"`
	IgnoredBytes  int64              `json:"ignoredBytes"`
	Pruned        []string           `json:"pruned"`
	IgnoredBy     []buildctx.Saving  `json:"ignoredBy"`
	Largest       []buildctx.Entry   `json:"largest"`
	Problems      []buildctx.Problem `json:"problems"`
	Findings      []jsonFinding      `json:"findings"`
	Dockerignore  *jsonIgnoreEdit    `json:"dockerignore,omitempty"`
	Cache         []jsonCacheStep    `json:"cache"`
	Summary       jsonSummary        `json:"summary"`
}

type jsonCacheStep struct {
	Dockerfile  string             `json:"dockerfile"`
	Step        buildctx.StepRef   `json:"step"`
	Files       int                `json:"files"`
	Bytes       int64              `json:"bytes"`
	Invalidates []buildctx.StepRef `json:"invalidates"`
}

type jsonIgnoreEdit struct {
	File    string   `json:"file"`
	Create  bool     `json:"create"`
	Append  []string `json:"append"`
	Written bool     `json:"written"`
}

func writeContextJSON(w io.Writer, r *ContextReport) error {
	c := r.Context
	n := counts(r.Findings)
	out := jsonContext{
		SchemaVersion: ContextSchemaVersion,
		Tool:          jsonTool{Name: r.Tool, Version: r.Version},
		IgnoreFile:    c.IgnoreFile,
		SentFiles:     c.SentFiles, SentBytes: c.SentBytes,
		IgnoredFiles: c.IgnoredFiles, IgnoredBytes: c.IgnoredBytes,
		// empty arrays, not null, so consumers can iterate without checks
		Pruned:    append([]string{}, c.Pruned...),
		IgnoredBy: append([]buildctx.Saving{}, c.Savings()...),
		Largest:   append([]buildctx.Entry{}, r.Largest...),
		Problems:  append([]buildctx.Problem{}, c.Problems...),
		Findings:  []jsonFinding{},
		Cache:     []jsonCacheStep{},
		Summary:   jsonSummary{Error: n[lint.Error], Warning: n[lint.Warning], Info: n[lint.Info], Style: n[lint.Style]},
	}
	for _, f := range r.Findings {
		out.Findings = append(out.Findings, toJSONFinding(f))
	}
	for _, inv := range r.Cache {
		st := jsonCacheStep{Dockerfile: r.Dockerfile, Step: inv.Step, Files: inv.Files, Bytes: inv.Bytes, Invalidates: append([]buildctx.StepRef{}, inv.Invalidates...)}
		out.Cache = append(out.Cache, st)
	}
	if e := r.Edit; e != nil && len(e.Lines) > 0 {
		out.Dockerignore = &jsonIgnoreEdit{File: e.File, Create: e.Create, Append: e.Lines, Written: r.Written}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(out)
}
