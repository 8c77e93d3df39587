package rules

import (
	"sort"
	"strings"

	"github.com/shipshape-dev/shipshape/dockerfile"
	"github.com/shipshape-dev/shipshape/lint"
	"github.com/shipshape-dev/shipshape/shell"
)

// SortedPackageList: P64.
var SortedPackageList = &lint.Rule{
	Code:  "DF505",
	Name:  "sorted-package-list",
	Title: "Sort multi-line package lists alphabetically",
	Rationale: "A package list written one package per line is read, reviewed and merged line by line. Kept in " +
		"alphabetical order, a duplicate or a missing package shows at a glance and two branches adding packages " +
		"rarely conflict. A comment line or a flag between packages starts a new group, sorted on its own.",
	Severity: lint.Style,
	Fixable:  true,
	Practice: []string{"P64"},
	Bad:      "FROM debian:12.5\nRUN apt-get update && apt-get install -y --no-install-recommends \\\n    wget \\\n    curl \\\n && rm -rf /var/lib/apt/lists/*\n",
	Good:     "FROM debian:12.5\nRUN apt-get update && apt-get install -y --no-install-recommends \\\n    curl \\\n    wget \\\n && rm -rf /var/lib/apt/lists/*\n",
	Check: func(p *lint.Pass) {
		p.Scripts(func(in *dockerfile.Instruction, s *shell.Script) {
			for _, i := range s.Installs() {
				for _, g := range packageGroups(p, i) {
					checkSorted(p, in, i.Manager, g)
				}
			}
		})
	},
}

// packageGroups splits an install's package words into runs that should be
// sorted on their own: a flag, a word with an expansion, a comment line or a
// blank line between two packages ends a run.
func packageGroups(p *lint.Pass, i *shell.Install) [][]shell.Word {
	isPkg := map[shell.Pos]bool{}
	for _, w := range i.Packages {
		isPkg[w.Pos] = true
	}
	if len(isPkg) < 2 { // exec form: every word has the same place
		return nil
	}
	var groups [][]shell.Word
	var cur []shell.Word
	flush := func() {
		if len(cur) > 1 {
			groups = append(groups, cur)
		}
		cur = nil
	}
	for _, w := range i.Options {
		if !isPkg[w.Pos] || !w.Literal {
			flush()
			continue
		}
		if len(cur) > 0 && separated(p.File, cur[len(cur)-1].Pos.Line, w.Pos.Line) {
			flush()
		}
		cur = append(cur, w)
	}
	flush()
	return groups
}

// separated reports a comment line, or a line that is blank or holds only a
// line continuation, strictly between lines a and b.
func separated(f *dockerfile.File, a, b int) bool {
	for l := a + 1; l < b; l++ {
		t := strings.TrimSpace(f.Line(l))
		if t == "" || t == string(f.Escape) || t == `\` || strings.HasPrefix(t, "#") {
			return true
		}
	}
	return false
}

func sortKey(m shell.Manager, w string) string {
	return strings.ToLower(shell.PackageName(m, w)) + "\x00" + w
}

func checkSorted(p *lint.Pass, in *dockerfile.Instruction, m shell.Manager, g []shell.Word) {
	if g[0].Pos.Line == g[len(g)-1].Pos.Line {
		return // all on one line
	}
	for k := 1; k < len(g); k++ {
		key := sortKey(m, g[k].Value)
		if key >= sortKey(m, g[k-1].Value) {
			continue
		}
		before := g[k-1]
		for _, w := range g[:k] {
			if sortKey(m, w.Value) > key {
				before = w
				break
			}
		}
		f := reportOnWord(p, g[k], "`"+g[k].Value+"` breaks the alphabetical order of this multi-line package list "+
			"(it belongs before `"+before.Value+"`); keep one package per line, sorted, so duplicates and diffs stay obvious")
		f.Fix = sortFix(p, in, m, g)
		return
	}
}

// sortFix reorders the group in place when every package stands alone on its
// line, so the layout (indentation, continuations) is kept.
func sortFix(p *lint.Pass, in *dockerfile.Instruction, m shell.Manager, g []shell.Word) *lint.Fix {
	if runInstruction(in).JSON {
		return nil
	}
	src := make([]string, len(g))
	for k, w := range g {
		text, ok := wordSource(p, w)
		if !ok || (k > 0 && w.Pos.Line == g[k-1].Pos.Line) || !aloneOnLine(p.File, w, text) {
			return nil
		}
		src[k] = text
	}
	order := make([]int, len(g))
	for k := range order {
		order[k] = k
	}
	sort.SliceStable(order, func(a, b int) bool { return sortKey(m, g[order[a]].Value) < sortKey(m, g[order[b]].Value) })
	fix := &lint.Fix{Description: "sort the package list"}
	for k, w := range g {
		if order[k] == k {
			continue
		}
		fix.Edits = append(fix.Edits, lint.Edit{
			Line: w.Pos.Line, Column: w.Pos.Col, EndLine: w.Pos.Line, EndColumn: w.Pos.Col + len(src[k]),
			New: src[order[k]],
		})
	}
	return fix
}

// aloneOnLine reports whether the word's source is all its line holds, apart
// from indentation and a trailing line continuation.
func aloneOnLine(f *dockerfile.File, w shell.Word, text string) bool {
	line := strings.TrimSpace(f.Line(w.Pos.Line))
	line = strings.TrimSpace(strings.TrimSuffix(line, string(f.Escape)))
	if f.Escape != '\\' { // a heredoc body continues lines with a backslash whatever the escape
		line = strings.TrimSpace(strings.TrimSuffix(line, `\`))
	}
	return line == text
}
