package lint

import (
	"sort"
	"strings"
)

// ApplyFixes rewrites src with the fixes of the findings. Edits that overlap an
// edit already taken are skipped, so the result is always well formed; running
// the linter again finds what is left.
func ApplyFixes(src []byte, fs []Finding) ([]byte, int) {
	lines := strings.SplitAfter(string(src), "\n")
	starts := make([]int, len(lines)+1) // byte offset of each line, computed once
	for i, l := range lines {
		starts[i+1] = starts[i] + len(l)
	}
	offset := func(line, col int) int {
		if line < 1 {
			return 0
		}
		if line > len(lines) {
			return len(src)
		}
		l := strings.TrimRight(lines[line-1], "\r\n")
		col = max(1, min(col, len(l)+1))
		return starts[line-1] + col - 1
	}
	type span struct {
		from, to int
		text     string
	}
	var spans []span
	applied := 0
	for _, fd := range fs {
		if fd.Fix == nil {
			continue
		}
		var mine []span
		ok := true
		for _, e := range fd.Fix.Edits {
			s := span{offset(e.Line, e.Column), offset(e.EndLine, e.EndColumn), e.New}
			if s.to < s.from {
				ok = false
				break
			}
			for _, t := range spans {
				if s.from < t.to && t.from < s.to || (s.from == t.from && s.to == t.to) {
					ok = false
				}
			}
			mine = append(mine, s)
		}
		if ok {
			spans = append(spans, mine...)
			applied++
		}
	}
	sort.Slice(spans, func(i, j int) bool { return spans[i].from > spans[j].from })
	out := string(src)
	for _, s := range spans {
		if s.to > len(out) {
			s.to = len(out)
		}
		out = out[:s.from] + s.text + out[s.to:]
	}
	return []byte(out), applied
}
