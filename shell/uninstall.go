package shell

import "strings"

// Group returns the name an install gives its packages as a group, which a
// later removal may name instead of them: apk's `--virtual .build-deps`
// (also `-t`). "" when there is none.
func (i *Install) Group() string {
	if i.Manager != Apk {
		return ""
	}
	args := i.Cmd.Args
	for k, a := range args {
		switch {
		case (a.Value == "--virtual" || a.Value == "-t") && k+1 < len(args):
			return args[k+1].Value
		case strings.HasPrefix(a.Value, "--virtual="):
			return strings.TrimPrefix(a.Value, "--virtual=")
		}
	}
	return ""
}

// Uninstalls reports whether a command of s, from index from on, removes the
// package name that install i put in: a removal naming it or i's group
// (`apk del .build-deps`), apt's auto-removal after `apt-mark auto` (the
// pattern of the official images), or `dnf history undo`. s may be the script
// of i or of a later RUN. A removal naming a variable counts, since it may
// stand for the package. Commands right of `||` do not count.
func (s *Script) Uninstalls(i *Install, name string, from int) bool {
	if from < 0 || from > len(s.Commands) {
		return false
	}
	group := i.Group()
	markedAuto := false
	for _, c := range s.Commands[from:] {
		if c.OnFailure {
			continue
		}
		if c.Is("apt-mark") && c.Subcommand() == "auto" {
			markedAuto = true
			continue
		}
		if m, _ := ManagerOf(c); m != i.Manager {
			continue
		}
		pos := c.Positionals(valueFlags[i.Manager]...)
		if len(pos) == 0 {
			continue
		}
		all, named := removalVerb(i.Manager, c, pos)
		if all && (i.Manager != Apt || markedAuto) {
			return true
		}
		if !named {
			continue
		}
		for _, w := range pos[1:] {
			if !w.Literal {
				return true
			}
			if n := PackageName(i.Manager, w.Value); n == name || (group != "" && n == group) {
				return true
			}
		}
	}
	return false
}

// removalVerb reads a package manager command: all is set when it removes
// every package not marked as wanted (apt's auto-removal; dnf's history undo),
// named when it removes the packages it names.
func removalVerb(m Manager, c *Command, pos []Word) (all, named bool) {
	verb := pos[0].Value
	switch m {
	case Apt:
		auto := verb == "autoremove" || verb == "autopurge" ||
			((verb == "purge" || verb == "remove") && c.HasFlag("auto-remove", "autoremove"))
		return auto, verb == "purge" || verb == "remove" || verb == "autopurge"
	case Apk:
		return false, verb == "del" || verb == "delete"
	case Dnf:
		if verb == "history" && len(pos) > 1 && pos[1].Value == "undo" {
			return true, false
		}
		return false, verb == "remove" || verb == "erase"
	case Zypper:
		return false, verb == "remove" || verb == "rm"
	}
	return false, false
}
