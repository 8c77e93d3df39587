package rules

import (
	"strings"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/shipshape-dev/shipshape/dockerfile"
	"github.com/shipshape-dev/shipshape/lint"
)

// MaintainerDeprecated: P61.
var MaintainerDeprecated = &lint.Rule{
	Code:  "DF502",
	Name:  "maintainer-deprecated",
	Title: "Name the authors with a LABEL, not MAINTAINER",
	Rationale: "MAINTAINER has been deprecated since Docker 1.13. It fills the image's legacy `author` field, " +
		"which sits outside the labels that registries, scanners and SBOM tools read. The OCI label " +
		"`org.opencontainers.image.authors` records the same thing where those tools look for it.",
	Severity: lint.Warning,
	Fixable:  true,
	Aliases:  []string{"DL4000"},
	Practice: []string{"P61"},
	Bad:      "FROM debian:12-slim\nMAINTAINER Jane Doe <jane@example.com>\nCMD [\"bash\"]\n",
	Good:     "FROM debian:12-slim\nLABEL org.opencontainers.image.authors=\"Jane Doe <jane@example.com>\"\nCMD [\"bash\"]\n",
	Check: lint.EachInstruction(func(p *lint.Pass, in *dockerfile.Instruction) {
		c, ok := in.Command.(*instructions.MaintainerCommand)
		if !ok {
			return
		}
		// Runs of spaces, as joined continuation lines leave them, become one.
		who := hyUnquote(strings.Join(strings.Fields(c.Maintainer), " "))
		label := "LABEL org.opencontainers.image.authors=" + hyQuote(who, p.File.Escape)
		f := hyKeywordOf(p, in, false).report(p, "`"+in.Keyword+" "+shorten(strings.Join(strings.Fields(c.Maintainer), " "), 60)+"` is deprecated: the legacy author "+
			"field it sets is not read by registries or scanners; write `"+shorten(label, 100)+"` instead")
		f.Fix = hyReplaceInstruction(p, in, label, "replace MAINTAINER with the OCI authors label")
	}, "maintainer"),
}

// hyUnquote reads a value the way its writer meant it: BuildKit keeps quotes
// around a MAINTAINER or WORKDIR (`MAINTAINER "Jane"` records `"Jane"`), but they
// are never meant as part of the name. One pair of quotes around the whole value
// is dropped, with `\"` inside double quotes read as `"`.
func hyUnquote(s string) string {
	s = strings.TrimSpace(s)
	if len(s) < 2 || (s[0] != '"' && s[0] != '\'') || s[len(s)-1] != s[0] {
		return s
	}
	q, inner := s[0], s[1:len(s)-1]
	if q == '"' {
		inner = strings.ReplaceAll(inner, `\"`, "\x00")
	}
	if strings.IndexByte(inner, q) >= 0 {
		return s
	}
	return strings.ReplaceAll(inner, "\x00", `"`)
}

// hyReplaceInstruction is a fix that writes text in place of the whole
// instruction, continuation lines included; nil when the instruction does not
// start at its keyword as written.
func hyReplaceInstruction(p *lint.Pass, in *dockerfile.Instruction, text, desc string) *lint.Fix {
	if !hyKeywordOf(p, in, false).Exact || in.Range.End.Line < in.Range.Start.Line {
		return nil
	}
	return &lint.Fix{Description: desc, Edits: []lint.Edit{{
		Line: in.Range.Start.Line, Column: in.Range.Start.Col,
		EndLine: in.Range.End.Line, EndColumn: in.Range.End.Col, New: text,
	}}}
}
