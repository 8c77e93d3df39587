package shell

import "strings"

// FlagValues returns the values given to an option in its forms `-o v`, `-ov`,
// `--option v` and `--option=v`; short or long may be "" when there is none.
func (c *Command) FlagValues(short, long string) []string {
	var out []string
	for i := 0; i < len(c.Args); i++ {
		v := c.Args[i].Value
		switch {
		case v == "--":
			return out
		case v == short || v == long:
			if i+1 < len(c.Args) {
				out = append(out, c.Args[i+1].Value)
				i++
			}
		case short != "" && strings.HasPrefix(v, short) && len(v) > len(short) && !strings.HasPrefix(v, "--"):
			out = append(out, v[len(short):])
		case long != "" && strings.HasPrefix(v, long+"="):
			out = append(out, v[len(long)+1:])
		}
	}
	return out
}

// DryRun reports an install that only simulates: it installs, downloads and
// asks nothing (`apt-get install -s`, `apk add --simulate`, `dnf --assumeno`,
// `pip install --dry-run`).
func (in *Install) DryRun() bool {
	c := in.Cmd
	switch in.Manager {
	case Apt:
		return c.HasFlag("s", "simulate", "dry-run", "just-print", "no-act", "recon")
	case Apk:
		return c.HasFlag("s", "simulate")
	case Dnf:
		return c.HasFlag("assumeno")
	case Zypper:
		return c.HasFlag("dry-run", "D")
	case Pip, Npm, Yarn, Pnpm:
		return c.HasFlag("dry-run")
	}
	return false
}
