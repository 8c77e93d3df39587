package rules

import (
	"github.com/shipshape-dev/shipshape/dockerfile"
	"github.com/shipshape-dev/shipshape/lint"
	"github.com/shipshape-dev/shipshape/shell"
)

// AptUpdateAlone: P10.
var AptUpdateAlone = &lint.Rule{
	Code:  "DF201",
	Name:  "apt-update-alone",
	Title: "Refresh the package index in the same RUN that installs",
	Rationale: "A RUN that only refreshes the package index (apt-get update, apk update, dnf makecache) " +
		"is cached as its own layer: later edits to the install line reuse the stale index and install " +
		"outdated or missing packages, and the index itself stays in the image.",
	Severity: lint.Warning,
	Practice: []string{"P10"},
	Bad:      "FROM debian:12.5\nRUN apt-get update\nRUN apt-get install -y --no-install-recommends curl && rm -rf /var/lib/apt/lists/*\n",
	Good:     "FROM debian:12.5\nRUN apt-get update && apt-get install -y --no-install-recommends curl && rm -rf /var/lib/apt/lists/*\n",
	Check: lint.EachInstruction(func(p *lint.Pass, in *dockerfile.Instruction) {
		s := p.Script(in)
		if s == nil {
			return
		}
		for _, c := range s.Commands {
			m, _ := shell.ManagerOf(c)
			if !isIndexRefresh(m, c) || c.OnFailure {
				continue
			}
			if mayUseIndexAfter(s, m, c.Index) {
				continue
			}
			p.ReportCommand(c, "`"+c.Name+" "+refreshVerb(m)+"` runs in a RUN that installs nothing with "+c.Name+
				": its index is cached in a layer of its own and goes stale; join it with the install, e.g. `RUN "+
				c.Name+" "+refreshVerb(m)+" && "+c.Name+" "+installVerb(m)+" …` in one RUN")
		}
	}, "run", "onbuild"),
}

func installVerb(m shell.Manager) string {
	if m == shell.Apk {
		return "add"
	}
	return "install"
}

func refreshVerb(m shell.Manager) string {
	if m == shell.Dnf {
		return "makecache"
	}
	return "update"
}

func isIndexRefresh(m shell.Manager, c *shell.Command) bool {
	switch m {
	case shell.Apt, shell.Apk:
		return c.Subcommand("-o", "-c", "-X", "--repository") == "update"
	case shell.Dnf:
		return c.Subcommand("-c", "--setopt", "--enablerepo", "--disablerepo") == "makecache"
	case shell.Zypper:
		sub := c.Subcommand("-r", "--repo")
		return sub == "refresh" || sub == "ref"
	}
	return false
}

// mayUseIndexAfter reports whether a command after command i of the script may
// read the package index: an install or upgrade by the same manager, or any
// command we cannot vouch for (a script, make, xargs …). Only commands known not
// to touch the index leave the refresh alone in its RUN.
func mayUseIndexAfter(s *shell.Script, m shell.Manager, i int) bool {
	for _, c := range s.Commands[i+1:] {
		if c.OnFailure {
			continue
		}
		if mm, _ := shell.ManagerOf(c); mm == m {
			switch c.Subcommand("-o", "-c") {
			case "update", "clean", "autoclean", "cache":
				continue
			}
			return true
		}
		if !indexFree[c.Name] {
			return true
		}
	}
	return false
}

// indexFree commands never read a package index.
var indexFree = map[string]bool{
	"rm": true, "echo": true, "printf": true, "true": true, ":": true, "set": true, "export": true,
	"mkdir": true, "ln": true, "touch": true, "chmod": true, "chown": true, "ls": true, "cat": true,
}
