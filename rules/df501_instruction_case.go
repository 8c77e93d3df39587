package rules

import (
	"strings"

	"github.com/shipshape-dev/shipshape/dockerfile"
	"github.com/shipshape-dev/shipshape/lint"
)

// InstructionCase: P60.
var InstructionCase = &lint.Rule{
	Code:  "DF501",
	Name:  "instruction-case",
	Title: "Write instruction keywords in upper case",
	Rationale: "BuildKit accepts `run` and `Copy` as readily as `RUN` and `COPY`, but upper-case keywords are the " +
		"convention every Dockerfile reader expects: they set each instruction apart from its arguments at a " +
		"glance. A file that mixes cases reads as if it had been pasted together.",
	Severity: lint.Style,
	Fixable:  true,
	Practice: []string{"P60"},
	Bad:      "FROM alpine:3.20\nrun apk add --no-cache curl\nCopy app.sh /usr/local/bin/\n",
	Good:     "FROM alpine:3.20\nRUN apk add --no-cache curl\nCOPY app.sh /usr/local/bin/\n",
	Check: lint.EachInstruction(func(p *lint.Pass, in *dockerfile.Instruction) {
		checkKeywordCase(p, hyKeywordOf(p, in, false))
		if in.OnBuild != nil {
			checkKeywordCase(p, hyKeywordOf(p, in, true))
		}
	}),
}

func checkKeywordCase(p *lint.Pass, k hyKeyword) {
	up := strings.ToUpper(k.Text)
	if k.Text == "" || k.Text == up {
		return
	}
	f := k.report(p, "`"+k.Text+"` is not upper case: write `"+up+"`; upper-case keywords are the convention, "+
		"and set each instruction apart from its arguments")
	f.Fix = k.replace(up, "write `"+up+"` in upper case")
}
