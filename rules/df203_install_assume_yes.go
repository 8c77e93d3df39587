package rules

import (
	"strings"

	"github.com/shipshape-dev/shipshape/dockerfile"
	"github.com/shipshape-dev/shipshape/lint"
	"github.com/shipshape-dev/shipshape/shell"
)

// InstallAssumeYes: P11.
var InstallAssumeYes = &lint.Rule{
	Code:  "DF203",
	Name:  "install-assume-yes",
	Title: "Answer the package manager's confirmation prompt with -y",
	Rationale: "apt-get, yum, dnf and zypper ask for confirmation before installing extra packages. " +
		"`docker build` gives them no terminal, so the question reads end-of-file and the install aborts, " +
		"failing the build as soon as a dependency changes. DEBIAN_FRONTEND=noninteractive does not help: it " +
		"only silences debconf, not apt's own prompt.",
	Severity: lint.Warning,
	Fixable:  true,
	Aliases:  []string{"DL3014", "DL3030", "DL3034", "DL3038"},
	Practice: []string{"P11"},
	Bad:      "FROM debian:12.5\nRUN apt-get update && apt-get install --no-install-recommends curl && rm -rf /var/lib/apt/lists/*\n",
	Good:     "FROM debian:12.5\nRUN apt-get update && apt-get install -y --no-install-recommends curl && rm -rf /var/lib/apt/lists/*\n",
	Check: lint.EachInstall(func(p *lint.Pass, in *dockerfile.Instruction, s *shell.Script, i *shell.Install) {
		c := i.Cmd
		if c.Piped || i.DryRun() { // `yes | apt-get install …` answers the prompt
			return
		}
		var msg string
		switch i.Manager {
		case shell.Apt:
			if !c.Is("apt-get", "apt", "aptitude") || aptAssumesYes(p, in, c) {
				return
			}
			msg = "`" + c.Name + " " + i.Verb + "` without `-y` asks \"Do you want to continue? [Y/n]\"; `docker build` has " +
				"no terminal to answer, so the install aborts whenever it pulls in an extra package; add `-y`"
			if inEnv(in, p.Script(in), c, "DEBIAN_FRONTEND") {
				msg += " (DEBIAN_FRONTEND=noninteractive only silences debconf, not this prompt)"
			}
		case shell.Dnf:
			if c.Is("microdnf") || dnfAssumesYes(p, in, c) {
				return
			}
			msg = "`" + c.Name + " " + i.Verb + "` without `-y` asks \"Is this ok [y/N]\"; `docker build` has no terminal " +
				"to answer, so the install aborts and the build fails; add `-y`"
		case shell.Zypper:
			if zypperNonInteractive(i) {
				return
			}
			msg = "`zypper " + i.Verb + "` without `--non-interactive` waits for a confirmation that `docker build` cannot " +
				"give, so the install aborts; write `zypper --non-interactive " + i.Verb + "` or add `-y`"
		default:
			return
		}
		verb := verbWord(i)
		f := reportFromProg(p, c, verb, msg)
		f.Fix = insertAfter(p, in, verb, " -y", "add -y")
	}),
}

// aptAssumesYes reports whether apt-get/apt will not prompt: -y/--yes/--assume-yes,
// quiet level 2 (-qq, which implies -y), -o APT::Get::Assume-Yes=true, or an
// apt.conf snippet that may set it.
func aptAssumesYes(p *lint.Pass, in *dockerfile.Instruction, c *shell.Command) bool {
	if c.HasFlag("y", "yes", "assume-yes") {
		return true
	}
	if c.Is("aptitude") {
		return configuredBefore(p, in, []string{"::Assume-Yes"}, []string{"/etc/apt/apt.conf.d", "/etc/apt/apt.conf"})
	}
	if quietLevel(c) >= 2 || aptOption(c, "APT::Get::Assume-Yes", "true", "1", "yes", "on") {
		return true
	}
	return configuredBefore(p, in, []string{"::Assume-Yes"}, []string{"/etc/apt/apt.conf.d", "/etc/apt/apt.conf"})
}

// quietLevel counts apt's quiet flags: every q of a short group, --quiet, or an
// explicit -q=N / --quiet=N.
func quietLevel(c *shell.Command) int {
	level := 0
	for _, a := range c.Args {
		v := a.Value
		switch {
		case v == "--":
			return level
		case strings.HasPrefix(v, "--quiet="), strings.HasPrefix(v, "-q="):
			_, n, _ := strings.Cut(v, "=")
			if len(n) == 1 && n[0] >= '0' && n[0] <= '9' {
				level = int(n[0] - '0')
			}
		case v == "--quiet":
			level++
		case len(v) > 1 && v[0] == '-' && v[1] != '-' && !strings.Contains(v, "="):
			if v[1] == 'o' || v[1] == 'c' || v[1] == 't' { // -oKey=v, -cFile, -tRelease carry a value
				continue
			}
			level += strings.Count(v, "q")
		}
	}
	return level
}

// dnfAssumesYes reports whether yum/dnf will not prompt: -y/--assumeyes,
// --setopt=assumeyes=…, or a config file that may set assumeyes.
func dnfAssumesYes(p *lint.Pass, in *dockerfile.Instruction, c *shell.Command) bool {
	if c.HasFlag("y", "assumeyes") {
		return true
	}
	for _, v := range c.FlagValues("", "--setopt") {
		if k, _, _ := strings.Cut(v, "="); strings.EqualFold(k, "assumeyes") {
			return true
		}
	}
	return configuredBefore(p, in, []string{"assumeyes=", "assumeyes ="}, []string{"/etc/dnf/dnf.conf", "/etc/yum.conf"})
}

// zypperNonInteractive reports whether zypper will not prompt: the global
// -n/--non-interactive before the command, or -y/--no-confirm after it
// (after the command, -n means --name).
func zypperNonInteractive(i *shell.Install) bool {
	args := i.Cmd.Args
	verbAt := len(args) - len(i.Options) - 1
	for k, a := range args {
		one := &shell.Command{Args: []shell.Word{a}}
		if k < verbAt && one.HasFlag("n", "non-interactive", "no-confirm") {
			return true
		}
		if one.HasFlag("y", "no-confirm") {
			return true
		}
	}
	return false
}
