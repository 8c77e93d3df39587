package report

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/shipshape-dev/shipshape/buildctx"
	"github.com/shipshape-dev/shipshape/lint"
)

// maxFrameLines bounds the code frame: enough to show a continued RUN line's
// context without burying the next finding.
const maxFrameLines = 3

const (
	ansiReset = "\x1b[0m"
	ansiBold  = "\x1b[1m"
	ansiDim   = "\x1b[2m"
)

var severityColor = [...]string{
	lint.Error:   "\x1b[31m", // red
	lint.Warning: "\x1b[33m", // yellow
	lint.Info:    "\x1b[34m", // blue
	lint.Style:   "\x1b[36m", // cyan
}

// painter wraps text in ANSI codes only when colour is on, so the plain output
// carries no escape bytes at all.
type painter bool

func (p painter) paint(code, s string) string {
	if !p || code == "" {
		return s
	}
	return code + s + ansiReset
}

func (p painter) severity(s lint.Severity, text string) string {
	if s < 0 || int(s) >= len(severityColor) {
		return text
	}
	return p.paint(severityColor[s], text)
}

// writeText is the human format: compiler-style headers that editors can jump
// to, a code frame, and a one-line summary.
func writeText(w io.Writer, r *Report, o Options) error {
	bw := bufio.NewWriter(w)
	p := painter(o.Color)
	for _, f := range r.Findings {
		writeTextFinding(bw, p, f)
		writeFrame(bw, p, f, r.Sources[f.File])
		bw.WriteString("\n")
	}
	bw.WriteString(summary(r) + "\n")
	return bw.Flush()
}

// writeTextFinding writes the header line of a finding, `file:line:col:`
// (just `path:` for a finding about a whole path, Line 0), and the line to
// add to .dockerignore with what it saves, when the finding has one.
func writeTextFinding(w *bufio.Writer, p painter, f lint.Finding) {
	code := f.Code
	if f.Name != "" {
		code += " (" + f.Name + ")"
	}
	// Continuation lines of a multi-line message are indented so they
	// cannot be mistaken for the next finding's header.
	msg := strings.ReplaceAll(strings.ReplaceAll(f.Message, "\r\n", "\n"), "\n", "\n    ")
	where := fmt.Sprintf("%s:%d:%d:", f.File, f.Line, f.Column)
	if f.Line == 0 {
		where = f.File + ":"
	}
	fmt.Fprintf(w, "%s %s %s %s\n", where, p.severity(f.Severity, f.Severity.String()), p.paint(ansiBold, code), msg)
	// Messages usually name the line and the bytes themselves; say what they
	// leave out.
	var extra []string
	if f.Suggestion != "" && !strings.Contains(f.Message, "`"+f.Suggestion+"`") {
		extra = append(extra, "add `"+f.Suggestion+"` to .dockerignore")
	}
	if human := buildctx.HumanBytes(f.Bytes); f.Bytes > 0 && !strings.Contains(f.Message, human) {
		if f.Suggestion != "" {
			extra = append(extra, "saves "+human)
		} else {
			extra = append(extra, human+" at stake")
		}
	}
	if len(extra) > 0 {
		fmt.Fprintf(w, "    %s\n", p.paint(ansiDim, strings.Join(extra, "; ")))
	}
}

// writeFrame prints up to maxFrameLines source lines of the finding's range and
// a caret line under its columns on the first one.
func writeFrame(w *bufio.Writer, p painter, f lint.Finding, lines []string) {
	if f.Line < 1 || f.Line > len(lines) {
		return // no source (stdin read elsewhere, or a stale position)
	}
	last := max(f.EndLine, f.Line)
	last = min(last, f.Line+maxFrameLines-1, len(lines))
	width := len(strconv.Itoa(last))
	for n := f.Line; n <= last; n++ {
		src := strings.TrimRight(lines[n-1], "\r")
		gutter := fmt.Sprintf(" %*d | ", width, n)
		fmt.Fprintf(w, "%s%s\n", p.paint(ansiDim, gutter), src)
		if n == f.Line {
			pad := fmt.Sprintf(" %*s | ", width, "")
			c := caret(src, f)
			i := strings.IndexByte(c, '^') // colour the marks, not the padding
			fmt.Fprintf(w, "%s%s%s\n", p.paint(ansiDim, pad), c[:i], p.severity(f.Severity, c[i:]))
		}
	}
}

// caret draws ^~~~ under the finding's byte columns on its first line. Text
// before the carets copies the source's tabs, so a terminal expands both lines
// alike; one marker per rune keeps UTF-8 text aligned too.
func caret(src string, f lint.Finding) string {
	start := clamp(f.Column, 1, len(src)+1) - 1
	end := len(src) // a range running onto later lines underlines to line end
	if f.EndLine <= f.Line {
		end = clamp(f.EndColumn, 1, len(src)+1) - 1
	}
	var b strings.Builder
	for _, r := range src[:start] {
		if r == '\t' {
			b.WriteByte('\t')
		} else {
			b.WriteByte(' ')
		}
	}
	b.WriteByte('^')
	if end > start {
		_, size := utf8.DecodeRuneInString(src[start:])
		for _, r := range src[start+size : end] {
			if r == '\t' {
				b.WriteByte('\t')
			} else {
				b.WriteByte('~')
			}
		}
	}
	return b.String()
}

func clamp(v, lo, hi int) int {
	return max(lo, min(v, hi))
}

// summary is the closing line: totals per severity in a fixed order.
func summary(r *Report) string {
	files := plural(r.Files, "file", "files")
	if len(r.Findings) == 0 {
		return "no findings in " + files
	}
	c := counts(r.Findings)
	return fmt.Sprintf("%s (%s, %s, %d info, %d style) in %s",
		plural(len(r.Findings), "finding", "findings"),
		plural(c[lint.Error], "error", "errors"), plural(c[lint.Warning], "warning", "warnings"),
		c[lint.Info], c[lint.Style], files)
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + many
}
