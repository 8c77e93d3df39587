package rules

import (
	"fmt"

	"github.com/shipshape-dev/shipshape/dockerfile"
	"github.com/shipshape-dev/shipshape/lint"
	"github.com/shipshape-dev/shipshape/shell"
)

// DnfCacheCleanup: P12.
var DnfCacheCleanup = &lint.Rule{
	Code:  "DF206",
	Name:  "dnf-cache-cleanup",
	Title: "Clean the yum/dnf/zypper cache in the RUN that installs",
	Rationale: "yum, dnf, microdnf and zypper keep the repository metadata they downloaded, and sometimes the " +
		"packages, under /var/cache. Unless the RUN that installs also runs `dnf clean all` (or `yum clean all`, " +
		"`microdnf clean all`, `zypper clean --all`), that cache ships in its layer; cleaning in a later RUN only " +
		"hides it.",
	Severity: lint.Warning,
	Aliases:  []string{"DL3032", "DL3040", "DL3036"},
	Practice: []string{"P12"},
	Bad:      "FROM fedora:40\nRUN dnf install -y httpd\n",
	Good:     "FROM fedora:40\nRUN dnf install -y httpd && dnf clean all\n",
	Check: func(p *lint.Pass) {
		p.Scripts(func(in *dockerfile.Instruction, s *shell.Script) {
			if !stageShips(p, in) {
				return
			}
			reported := map[shell.Manager]bool{}
			for _, i := range s.Installs() {
				c := i.Cmd
				if (i.Manager != shell.Dnf && i.Manager != shell.Zypper) || reported[i.Manager] || i.DryRun() {
					continue
				}
				// --installroot fills another root's cache, maybe one that does not ship.
				if c.HasFlag("installroot") || i.Manager == shell.Zypper && c.HasFlag("root", "R") {
					continue
				}
				dirs, done, clean := dnfCacheDirs, cleansDnfCache, c.Name+" clean all"
				size := "typically 20–200 MB"
				if i.Manager == shell.Zypper {
					dirs, done, clean = zypperCacheDirs, cleansZypperCache, "zypper clean --all"
					size = "typically tens of MB"
				}
				if cacheMountCovers(in, dirs...) || cleanedAfter(s, c, done) != nil {
					continue
				}
				reported[i.Manager] = true
				msg := "`" + c.Name + " " + i.Verb + "` leaves the repository metadata it downloaded under " + cacheDirOf(c) +
					" (" + size + ") in this layer; end the RUN with `&& " + clean + "`"
				if partial := cleanedAfter(s, c, partialDnfClean); partial != nil && i.Manager == shell.Dnf {
					what := partial.Positionals(dnfValueFlags...)[1].Value
					msg += fmt.Sprintf(" (the `%s clean %s` at line %d keeps the metadata)", partial.Name, what, partial.Pos.Line)
				}
				if later, _ := laterRunDoing(p, in, done); later != nil {
					msg += "; the cleanup in a later RUN does not shrink this layer"
				}
				reportFromProg(p, c, verbWord(i), msg)
			}
		})
	},
}

var dnfCacheDirs = []string{"/var/cache/dnf", "/var/cache/yum", "/var/cache/libdnf5", "/var/cache/tdnf"}
var zypperCacheDirs = []string{"/var/cache/zypp"}

// cleansDnfCache reports whether c runs `<yum|dnf|…> clean all` or deletes a dnf/yum cache.
func cleansDnfCache(c *shell.Command) bool {
	if c.Is("dnf", "yum", "microdnf", "tdnf", "dnf5") {
		pos := c.Positionals(dnfValueFlags...)
		return len(pos) >= 2 && pos[0].Value == "clean" && pos[1].Value == "all"
	}
	for _, d := range dnfCacheDirs {
		if c.Removes(d) {
			return true
		}
	}
	return false
}

// cleansZypperCache reports whether c runs `zypper clean` (alias cc) or deletes its cache.
func cleansZypperCache(c *shell.Command) bool {
	if c.Is("zypper") {
		sub := c.Subcommand(zypperValueFlags...)
		return sub == "clean" || sub == "cc"
	}
	return c.Removes("/var/cache/zypp")
}

// cacheDirOf names where the tool keeps its cache, for messages.
func cacheDirOf(c *shell.Command) string {
	switch c.Name {
	case "dnf":
		return "/var/cache/dnf"
	case "yum":
		return "/var/cache/yum"
	case "zypper":
		return "/var/cache/zypp"
	}
	return "/var/cache"
}

// partialDnfClean reports `dnf clean packages` and the like: a clean that is not `all`.
func partialDnfClean(c *shell.Command) bool {
	if !c.Is("dnf", "yum", "microdnf", "tdnf", "dnf5") {
		return false
	}
	pos := c.Positionals(dnfValueFlags...)
	return len(pos) >= 2 && pos[0].Value == "clean" && pos[1].Value != "all"
}
