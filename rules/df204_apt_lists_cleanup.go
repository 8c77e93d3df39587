package rules

import (
	"fmt"

	"github.com/shipshape-dev/shipshape/dockerfile"
	"github.com/shipshape-dev/shipshape/lint"
	"github.com/shipshape-dev/shipshape/shell"
)

// AptListsCleanup: P12.
var AptListsCleanup = &lint.Rule{
	Code:  "DF204",
	Name:  "apt-lists-cleanup",
	Title: "Delete /var/lib/apt/lists in the RUN that runs apt-get update",
	Rationale: "`apt-get update` downloads the package lists of every configured repository into " +
		"/var/lib/apt/lists. Nothing at run time needs them, yet they stay in the layer unless the same RUN " +
		"deletes them: a later RUN only hides them, the bytes remain in the earlier layer. `apt-get clean` " +
		"empties the downloaded-package cache but leaves the lists.",
	Severity: lint.Warning,
	Aliases:  []string{"DL3009"},
	Practice: []string{"P12"},
	Bad:      "FROM debian:12.5\nRUN apt-get update && apt-get install -y --no-install-recommends curl\n",
	Good:     "FROM debian:12.5\nRUN apt-get update && apt-get install -y --no-install-recommends curl && rm -rf /var/lib/apt/lists/*\n",
	Check: func(p *lint.Pass) {
		p.Scripts(func(in *dockerfile.Instruction, s *shell.Script) {
			if !stageShips(p, in) || cacheMountCovers(in, aptListsDir) {
				return
			}
			for _, c := range s.Commands {
				what, ok := aptListsWriter(c)
				if !ok || cleanedAfter(s, c, removesAptLists) != nil {
					continue
				}
				reportFromProg(p, c, subcommandWord(c, what.Value), aptListsMessage(p, in, s, c, what.Value))
				return // every later update of this RUN lacks the cleanup too
			}
		})
	},
}

const aptListsDir = "/var/lib/apt/lists"

// aptListsWriter reports whether c downloads the apt lists, and the
// subcommand that does: `update`, or since apt 3.0 `install --update`.
func aptListsWriter(c *shell.Command) (shell.Word, bool) {
	if !c.Is("apt-get", "apt", "aptitude") {
		return shell.Word{}, false
	}
	pos := c.Positionals(aptValueFlags...)
	if len(pos) == 0 {
		return shell.Word{}, false
	}
	switch sub := pos[0].Value; {
	case sub == "update":
		return pos[0], true
	case aptUpgrades[sub] || sub == "install":
		return pos[0], !c.Is("aptitude") && c.HasFlag("update")
	}
	return shell.Word{}, false
}

// removesAptLists reports whether c deletes the apt lists; `apt-get distclean`
// (apt ≥ 2.7.8) does, `apt-get clean` does not.
func removesAptLists(c *shell.Command) bool {
	if c.Removes(aptListsDir) {
		return true
	}
	if c.Is("apt-get", "apt") {
		sub := c.Subcommand(aptValueFlags...)
		return sub == "distclean" || sub == "dist-clean"
	}
	return false
}

func aptListsMessage(p *lint.Pass, in *dockerfile.Instruction, s *shell.Script, c *shell.Command, sub string) string {
	what := c.Name + " " + sub
	if sub != "update" {
		what += " --update"
	}
	msg := "`" + what + "` downloads the apt lists (typically 20–50 MB on Debian/Ubuntu) and this RUN " +
		"never deletes them, so they ship in its layer; end the RUN with `&& rm -rf /var/lib/apt/lists/*`"
	if cl := cleanedAfter(s, c, func(d *shell.Command) bool {
		return d.Is("apt-get", "apt") && d.Subcommand(aptValueFlags...) == "clean"
	}); cl != nil {
		msg += fmt.Sprintf(" (the `%s clean` at line %d empties only /var/cache/apt/archives, not the lists)", cl.Name, cl.Pos.Line)
	}
	if later, _ := laterRunDoing(p, in, removesAptLists); later != nil {
		msg += fmt.Sprintf("; the cleanup in the RUN at line %d comes too late: deleting in a later layer does not shrink this one",
			later.Range.Start.Line)
	}
	return msg
}
