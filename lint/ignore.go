package lint

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/shipshape-dev/shipshape/dockerfile"
)

// `# shipshape ignore=DF201,DF204 [reason]`, `# shipshape global ignore=…`, and
// hadolint's `# hadolint ignore=DL3008` spellings.
var ignoreRe = regexp.MustCompile(`^(shipshape|hadolint)\s+(global\s+)?ignore\s*=\s*([A-Za-z0-9_*?\-]+(?:\s*,\s*[A-Za-z0-9_*?\-]+)*)`)

type ignore struct {
	comment dockerfile.Comment
	code    string
	global  bool
	target  *dockerfile.Instruction // nil for global ignores
	used    bool
	file    string
}

type ignores []*ignore

func parseIgnores(f *dockerfile.File) ignores {
	var out ignores
	for _, c := range f.Comments {
		m := ignoreRe.FindStringSubmatch(c.Text)
		if m == nil {
			continue
		}
		global := m[2] != ""
		var target *dockerfile.Instruction
		if !global {
			target = instructionFor(f, c.Line)
			if target == nil {
				continue
			}
		}
		for _, code := range strings.Split(m[3], ",") {
			out = append(out, &ignore{comment: c, code: strings.TrimSpace(code), global: global, target: target, file: f.Name})
		}
	}
	return out
}

// instructionFor returns the instruction an ignore comment on line applies to:
// the one it sits inside (a comment between continuation lines), or the next one.
func instructionFor(f *dockerfile.File, line int) *dockerfile.Instruction {
	for _, in := range f.Instructions {
		if in.Range.Start.Line <= line && line <= in.Range.End.Line {
			return in
		}
		if in.Range.Start.Line > line {
			return in
		}
	}
	return nil
}

func ruleFor(code string, rules []*Rule) *Rule {
	for _, r := range rules {
		if r.Code == code {
			return r
		}
	}
	return nil
}

// apply drops the findings an ignore covers and marks those ignores used.
func (ig ignores) apply(f *dockerfile.File, fs []Finding, rules []*Rule) []Finding {
	if len(ig) == 0 {
		return fs
	}
	kept := fs[:0]
	for _, fd := range fs {
		r := ruleFor(fd.Code, rules)
		suppressed := false
		for _, i := range ig {
			if r == nil || !r.Matches(i.code) {
				continue
			}
			if i.global || (fd.Line >= i.target.Range.Start.Line && fd.Line <= i.target.Range.End.Line) {
				i.used = true
				suppressed = true
			}
		}
		if !suppressed {
			kept = append(kept, fd)
		}
	}
	return kept
}

// unused reports the ignores that suppressed nothing.
func (ig ignores) unused(rules []*Rule) []Finding {
	var out []Finding
	for _, i := range ig {
		if i.used {
			continue
		}
		known, image := false, false
		for _, r := range rules {
			if r.Matches(i.code) {
				known = true
				image = image || r.Scope == ScopeImage
			}
		}
		if image {
			continue // silences an image check, which only `shipshape inspect --dockerfile` runs
		}
		var msg string
		switch {
		case !known && strings.HasPrefix(strings.ToUpper(i.code), "DL"):
			continue // a hadolint rule shipshape does not implement: nothing to report against
		case !known:
			msg = fmt.Sprintf("ignore names %q, which is no shipshape rule: check the code with `shipshape rules`", i.code)
		case i.global:
			msg = fmt.Sprintf("global ignore of %s suppresses nothing in this file: remove it", i.code)
		default:
			msg = fmt.Sprintf("ignore of %s suppresses nothing on the %s at line %d: remove it, or name the rule that fires there", i.code, strings.ToUpper(i.target.Name), i.target.Range.Start.Line)
		}
		start := i.comment.Col
		out = append(out, Finding{
			Code: UnusedIgnoreRule.Code, Name: UnusedIgnoreRule.Name, Severity: UnusedIgnoreRule.Severity,
			Message: msg, File: i.file, Line: i.comment.Line, Column: start, EndLine: i.comment.Line,
			EndColumn: start + 1 + len(i.comment.Text),
		})
	}
	return out
}
