package rules

import (
	"strings"

	"github.com/shipshape-dev/shipshape/dockerfile"
	"github.com/shipshape-dev/shipshape/lint"
	"github.com/shipshape-dev/shipshape/shell"
)

// NoUpgrade: P16.
var NoUpgrade = &lint.Rule{
	Code:  "DF209",
	Name:  "no-upgrade",
	Title: "Rebuild on a newer base image instead of upgrading every package",
	Rationale: "A full upgrade (apt-get upgrade, yum update, apk upgrade, …) installs whatever the mirror holds " +
		"on the day of the build, so two builds of the same Dockerfile differ, and every upgraded file is stored a " +
		"second time in the new layer. Base images are rebuilt often with their security fixes: move to a newer " +
		"tag instead. Upgrading one named package for a specific fix is not reported.",
	Severity: lint.Warning,
	Aliases:  []string{"DL3005"},
	Practice: []string{"P16"},
	Bad:      "FROM debian:12.5\nRUN apt-get update && apt-get upgrade -y && rm -rf /var/lib/apt/lists/*\n",
	Good:     "FROM debian:12.6\nRUN apt-get update && apt-get install -y --no-install-recommends curl && rm -rf /var/lib/apt/lists/*\n",
	Check: lint.EachCommand(func(p *lint.Pass, in *dockerfile.Instruction, s *shell.Script, c *shell.Command) {
		m, _ := shell.ManagerOf(c)
		var upgrades map[string]bool
		var valueFlags []string
		switch m {
		case shell.Apt:
			upgrades, valueFlags = aptUpgrades, aptValueFlags
		case shell.Dnf:
			upgrades, valueFlags = dnfUpgrades, dnfValueFlags
		case shell.Apk:
			upgrades, valueFlags = apkUpgrades, apkValueFlags
		case shell.Zypper:
			upgrades, valueFlags = zypperUpgrades, zypperValueFlags
		default:
			return
		}
		pos := c.Positionals(valueFlags...)
		if len(pos) == 0 || !upgrades[pos[0].Value] {
			return
		}
		if len(pos) > 1 { // `yum update openssl`: a targeted fix
			return
		}
		reportFromProg(p, c, pos[0], "`"+c.Name+" "+pos[0].Value+"` upgrades every package to whatever the mirror has on the "+
			"day of the build: builds stop being reproducible and the upgraded files are stored again in this layer "+
			"(often tens of MB); rebuild on a newer tag of "+baseImageOf(in)+" instead")
	}),
}

var aptUpgrades = map[string]bool{"upgrade": true, "dist-upgrade": true, "full-upgrade": true, "safe-upgrade": true}
var dnfUpgrades = map[string]bool{"update": true, "upgrade": true, "distro-sync": true, "distrosync": true, "dsync": true,
	"upgrade-minimal": true, "update-minimal": true}
var apkUpgrades = map[string]bool{"upgrade": true}
var zypperUpgrades = map[string]bool{"update": true, "up": true, "dist-upgrade": true, "dup": true}

// baseImageOf names the image the stage finally builds on, for messages.
func baseImageOf(in *dockerfile.Instruction) string {
	st := in.Stage
	seen := map[*dockerfile.Stage]bool{}
	for st != nil && st.BaseStage != nil && !seen[st] {
		seen[st] = true
		st = st.BaseStage
	}
	if st == nil || st.Base == "" || strings.Contains(st.Base, "$") || st.Base == "scratch" {
		return "the base image"
	}
	return "`" + st.Base + "`"
}
