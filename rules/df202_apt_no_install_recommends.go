package rules

import (
	"github.com/shipshape-dev/shipshape/dockerfile"
	"github.com/shipshape-dev/shipshape/lint"
	"github.com/shipshape-dev/shipshape/shell"
)

// AptNoInstallRecommends: P11.
var AptNoInstallRecommends = &lint.Rule{
	Code:  "DF202",
	Name:  "apt-no-install-recommends",
	Title: "Install apt packages with --no-install-recommends",
	Rationale: "By default apt also installs every package that the requested ones merely recommend: " +
		"manuals, optional helpers, sometimes whole language runtimes. A container rarely uses them, and they " +
		"often double the size of an install. `--no-install-recommends` installs what you asked for and what it " +
		"really depends on.",
	Severity: lint.Info,
	Fixable:  true,
	Aliases:  []string{"DL3015"},
	Practice: []string{"P11"},
	Bad:      "FROM debian:12.5\nRUN apt-get update && apt-get install -y curl && rm -rf /var/lib/apt/lists/*\n",
	Good:     "FROM debian:12.5\nRUN apt-get update && apt-get install -y --no-install-recommends curl && rm -rf /var/lib/apt/lists/*\n",
	Check: lint.EachInstall(func(p *lint.Pass, in *dockerfile.Instruction, s *shell.Script, i *shell.Install) {
		if i.Manager != shell.Apt || !isApt(i.Cmd) || !stageShips(p, in) || i.DryRun() {
			return
		}
		if i.Cmd.HasFlag("no-install-recommends") || aptOption(i.Cmd, "APT::Install-Recommends", "false", "0", "no", "off") {
			return
		}
		// An apt.conf.d snippet written earlier may already turn recommends off.
		if configuredBefore(p, in, []string{"::Install-Recommends"}, []string{"/etc/apt/apt.conf.d", "/etc/apt/apt.conf"}) {
			return
		}
		verb := verbWord(i)
		f := reportFromProg(p, i.Cmd, verb, "`"+i.Cmd.Name+" "+i.Verb+"` without `--no-install-recommends` also installs "+
			"every recommended package (often tens of MB of docs, helpers and extra libraries); add "+
			"`--no-install-recommends` and name the packages you really need")
		f.Fix = insertAfter(p, in, verb, " --no-install-recommends", "add --no-install-recommends")
	}),
}
