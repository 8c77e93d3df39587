package shell

import "strings"

// Is reports whether the command's program is one of names.
func (c *Command) Is(names ...string) bool {
	for _, n := range names {
		if c.Name == n {
			return true
		}
	}
	return false
}

// HasFlag reports whether any of the flags is given. A one-letter name matches
// `-y` and grouped short flags such as `-qy`; a longer name matches `--name`
// and `--name=value`.
func (c *Command) HasFlag(names ...string) bool {
	_, ok := c.FlagWord(names...)
	return ok
}

// FlagWord returns the first argument that gives one of the flags.
func (c *Command) FlagWord(names ...string) (Word, bool) {
	for _, a := range c.Args {
		v := a.Value
		if v == "--" {
			break
		}
		for _, n := range names {
			if len(n) == 1 {
				if len(v) > 1 && v[0] == '-' && v[1] != '-' && strings.Contains(v[1:], n) && !strings.Contains(v, "=") {
					return a, true
				}
				continue
			}
			if v == "--"+n || strings.HasPrefix(v, "--"+n+"=") {
				return a, true
			}
		}
	}
	return Word{}, false
}

// Positionals returns the arguments that are not flags. valueFlags name the flags
// (as written, e.g. "-o", "--target") whose value is the next word.
func (c *Command) Positionals(valueFlags ...string) []Word {
	var out []Word
	takes := set(valueFlags...)
	for i := 0; i < len(c.Args); i++ {
		v := c.Args[i].Value
		if v == "--" {
			out = append(out, c.Args[i+1:]...)
			break
		}
		if strings.HasPrefix(v, "-") && len(v) > 1 {
			if takes[v] {
				i++
			}
			continue
		}
		out = append(out, c.Args[i])
	}
	return out
}

// Subcommand returns the first positional argument ("install" in `apt-get -y install x`).
func (c *Command) Subcommand(valueFlags ...string) string {
	if p := c.Positionals(valueFlags...); len(p) > 0 {
		return p[0].Value
	}
	return ""
}

// Arg returns the value of argument i, or "".
func (c *Command) Arg(i int) string {
	if i < 0 || i >= len(c.Args) {
		return ""
	}
	return c.Args[i].Value
}

// ArgsAfter returns the arguments after the first one equal to word.
func (c *Command) ArgsAfter(word string) []Word {
	for i, a := range c.Args {
		if a.Value == word {
			return c.Args[i+1:]
		}
	}
	return nil
}
