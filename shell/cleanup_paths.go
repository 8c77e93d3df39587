package shell

import (
	"path"
	"strings"
)

// Removes reports whether c deletes dir, everything in it, or a parent of it:
// `rm` naming it (`rm -rf /var/lib/apt/lists/*`), or `find dir … -delete` with no
// name filter. A dir starting with "~/" stands for that path in any home
// directory: `~/.npm` is matched by `/root/.npm`, `$HOME/.npm` and `/home/node/.npm`.
func (c *Command) Removes(dir string) bool {
	want := normalizePath(dir)
	if want == "" {
		return false
	}
	switch c.Name {
	case "rm":
		for _, a := range c.Positionals() {
			if covers(normalizePath(a.Value), want) {
				return true
			}
		}
	case "find":
		if !c.hasArg("-delete") {
			return false
		}
		for _, filter := range []string{"-name", "-iname", "-path", "-ipath", "-regex", "-iregex", "-wholename", "-newer", "-mtime", "-size"} {
			if c.hasArg(filter) {
				return false
			}
		}
		for _, a := range c.Args {
			if strings.HasPrefix(a.Value, "-") {
				break
			}
			if covers(normalizePath(a.Value), want) {
				return true
			}
		}
	}
	return false
}

func (c *Command) hasArg(v string) bool {
	for _, a := range c.Args {
		if a.Value == v {
			return true
		}
	}
	return false
}

// covers reports whether deleting p removes want: p is want or a parent of it.
// `rm -rf /` is refused by rm itself, so the root never counts.
func covers(p, want string) bool {
	if p == "" || p == "/" {
		return false
	}
	return p == want || strings.HasPrefix(want, p+"/")
}

// normalizePath cleans a path as written in a shell word: a trailing `/*` or
// `/` is dropped, and a home directory (`~`, `$HOME`, `${HOME}`, `/root`,
// `/home/<user>`) becomes `~`. Other expansions give "".
func normalizePath(p string) string {
	for _, home := range []string{"${HOME}", "$HOME", "~"} {
		if p == home || strings.HasPrefix(p, home+"/") {
			p = "~" + p[len(home):]
			break
		}
	}
	if strings.ContainsAny(p, "$`") {
		return ""
	}
	for strings.HasSuffix(p, "/*") {
		p = strings.TrimSuffix(p, "/*")
	}
	if p == "" {
		return ""
	}
	p = path.Clean(p)
	switch {
	case p == "/root" || strings.HasPrefix(p, "/root/"):
		p = "~" + strings.TrimPrefix(p, "/root")
	case strings.HasPrefix(p, "/home/"):
		rest := strings.TrimPrefix(p, "/home/")
		if i := strings.Index(rest, "/"); i > 0 {
			p = "~" + rest[i:]
		}
	}
	return p
}
