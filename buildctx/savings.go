package buildctx

import (
	"strings"

	"github.com/moby/patternmatcher"
)

// Saving is what one line of the ignore file keeps from the builder.
type Saving struct {
	Pattern string `json:"pattern"` // as the ignore file reader normalises it
	Files   int    `json:"files"`
	Bytes   int64  `json:"bytes"`
}

// Savings says what each exclusion pattern of the ignore file keeps out, in
// the file's order, patterns that match nothing included (a typo, or a
// leftover): an ignored file counts for the last pattern that matches it or
// one of its parents, which is the one that decides; a pruned directory
// counts with everything under it (PrunedUsage; zero WithoutPrunedSizes).
func (c *Context) Savings() []Saving {
	var out []Saving
	var pms []*patternmatcher.PatternMatcher
	var at []int // index in out of each pattern, -1 for exceptions
	for _, p := range c.Patterns {
		if strings.HasPrefix(p, "!") {
			pms, at = append(pms, nil), append(at, -1)
			continue
		}
		pm, err := patternmatcher.New([]string{p})
		if err != nil {
			pm = nil
		}
		pms, at = append(pms, pm), append(at, len(out))
		out = append(out, Saving{Pattern: p})
	}
	decide := func(p string) int {
		for i := len(pms) - 1; i >= 0; i-- {
			if pms[i] == nil {
				continue
			}
			if ok, _ := pms[i].MatchesOrParentMatches(p); ok {
				return at[i]
			}
		}
		return -1
	}
	for _, f := range c.Files {
		if !f.Ignored {
			continue
		}
		if i := decide(f.Path); i >= 0 {
			out[i].Files++
			out[i].Bytes += f.Size
		}
	}
	for _, d := range c.Pruned {
		if i := decide(d); i >= 0 {
			u := c.PrunedUsage[d]
			out[i].Files += u.Files
			out[i].Bytes += u.Bytes
		}
	}
	return out
}
