package rules

import (
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/shipshape-dev/shipshape/dockerfile"
	"github.com/shipshape-dev/shipshape/lint"
)

// ConsecutiveRun: P15.
var ConsecutiveRun = &lint.Rule{
	Code:  "DF211",
	Name:  "consecutive-run",
	Title: "Join adjacent RUN instructions",
	Rationale: "Every RUN adds a layer, and a file created in one layer and deleted in a later one still costs " +
		"its full size; adjacent RUNs with the same options can usually be one, joined with `&&`. Unlike " +
		"hadolint, a blank line or a comment between two RUNs is read as a deliberate split (for the build " +
		"cache, or for readability) and is not reported; like hadolint, neither is a RUN that already chains more " +
		"than two commands, nor are RUNs of builder stages, whose layers do not ship.",
	Severity: lint.Info,
	Aliases:  []string{"DL3059"},
	Practice: []string{"P15"},
	Bad:      "FROM debian:12-slim\nRUN useradd --system app\nRUN mkdir -p /var/lib/app && chown app /var/lib/app\n",
	Good:     "FROM debian:12-slim\nRUN useradd --system app \\\n && mkdir -p /var/lib/app && chown app /var/lib/app\n",
	Check: func(p *lint.Pass) {
		for _, s := range shippingStages(p.File) {
			var prev *dockerfile.Instruction
			for _, in := range s.Instructions {
				if prev != nil && joinable(prev, in) && fewCommands(p, prev) && fewCommands(p, in) {
					p.ReportInstruction(in, "`RUN "+headText(in.Args.S, 40)+"` directly follows `RUN "+
						headText(prev.Args.S, 40)+"` (line "+strconv.Itoa(prev.Range.Start.Line)+") with the same "+
						"options, and each RUN adds a layer; join them with `&&` into one RUN, or put a blank line or "+
						"comment between them if the split is deliberate (e.g. to keep the first one cached)")
				}
				prev = in
			}
		}
	},
}

// fewCommands reports whether a RUN's shell code reads and holds at most two
// commands: a RUN that already chains more was split from its neighbour on
// purpose (hadolint's DL3059 reasons the same way).
func fewCommands(p *lint.Pass, in *dockerfile.Instruction) bool {
	sc := p.Script(in)
	return sc != nil && len(sc.Commands) <= 2
}

// joinable reports whether b is a RUN right after the RUN a, on the next line,
// both in shell form without heredocs and with the same flags.
func joinable(a, b *dockerfile.Instruction) bool {
	if a.Name != "run" || b.Name != "run" || a.JSON || b.JSON || len(a.Heredocs) > 0 || len(b.Heredocs) > 0 {
		return false
	}
	if b.Range.Start.Line != a.Range.End.Line+1 {
		return false
	}
	return flagSet(a) == flagSet(b)
}

// headText is the start of an instruction's arguments on one line, cut at n bytes.
func headText(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}

// flagSet writes the flags of an instruction in a canonical order.
func flagSet(in *dockerfile.Instruction) string {
	fs := make([]string, len(in.Flags))
	for i, f := range in.Flags {
		fs[i] = f.Name + "=" + f.Value
	}
	sort.Strings(fs)
	return strings.Join(fs, "\x00")
}
