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
			if installsAfter(s, m, c.Index) {
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

// installsAfter reports whether the script installs with manager m after command i.
func installsAfter(s *shell.Script, m shell.Manager, i int) bool {
	for _, c := range s.Commands[i+1:] {
		if c.OnFailure {
			continue
		}
		if in, ok := shell.InstallOf(c); ok && in.Manager == m {
			return true
		}
		// `apt-get upgrade`/`dist-upgrade` also consume the index.
		if mm, _ := shell.ManagerOf(c); mm == m && (c.Subcommand() == "upgrade" || c.Subcommand() == "dist-upgrade" || c.Subcommand() == "full-upgrade") {
			return true
		}
	}
	return false
}
