package shell

import (
	"regexp"
	"strings"
)

// Manager identifies a package manager family.
type Manager string

// The package managers the rules know.
const (
	Apt    Manager = "apt"
	Apk    Manager = "apk"
	Dnf    Manager = "dnf" // dnf, yum, microdnf, tdnf
	Zypper Manager = "zypper"
	Pip    Manager = "pip" // pip, pip3, python -m pip, uv pip
	Npm    Manager = "npm"
	Yarn   Manager = "yarn"
	Pnpm   Manager = "pnpm"
	Gem    Manager = "gem"
	Go     Manager = "go"
)

// Install is a command that installs packages.
type Install struct {
	Manager  Manager
	Cmd      *Command
	Verb     string // the subcommand as written: install, add, ci, get, …
	Packages []Word // the packages named (empty for `npm ci`, `pip install -r x`)
	// Options are the arguments that follow the subcommand, flags included.
	Options []Word
}

var pythonRe = regexp.MustCompile(`^python[0-9.]*$`)
var pipRe = regexp.MustCompile(`^pip[0-9.]*$`)

// Per manager: the flags whose value is the next word, so it is not read as a package.
var valueFlags = map[Manager][]string{
	Apt:    {"-o", "-t", "-c", "--target-release", "--option", "--config-file"},
	Apk:    {"-t", "--virtual", "-X", "--repository", "--repositories-file", "--arch", "-p", "--root", "--cache-dir", "--keys-dir"},
	Dnf:    {"-c", "-d", "-e", "-x", "--exclude", "--enablerepo", "--disablerepo", "--releasever", "--installroot", "--setopt", "--repo", "--nodocs-no"},
	Zypper: {"-r", "--repo", "--from", "-t", "--type"},
	Pip:    {"-r", "--requirement", "-c", "--constraint", "-e", "--editable", "-i", "--index-url", "--extra-index-url", "-t", "--target", "--prefix", "-f", "--find-links", "--trusted-host", "--platform", "--python-version", "--root", "--cache-dir", "--src", "--upgrade-strategy", "--only-binary", "--no-binary"},
	Npm:    {"--prefix", "--registry", "-w", "--workspace", "--omit", "--cache"},
	Yarn:   {"--cwd", "--registry", "--cache-folder", "--modules-folder"},
	Pnpm:   {"--filter", "-C", "--dir", "--registry"},
	Gem:    {"-v", "--version", "-i", "--install-dir", "-n", "--bindir", "-s", "--source", "--platform"},
	Go:     {"-C", "-o", "-p", "-tags", "-ldflags", "-gcflags", "-mod", "-modfile", "-pkgdir", "-toolexec", "-overlay", "-asmflags", "-exec"},
}

// ManagerOf returns the package manager c runs, the subcommand position set aside.
// `python -m pip` and `uv pip` are read as pip.
func ManagerOf(c *Command) (Manager, []Word) {
	args := c.Args
	switch {
	case c.Is("apt-get", "apt", "aptitude"):
		return Apt, args
	case c.Is("apk"):
		return Apk, args
	case c.Is("dnf", "yum", "microdnf", "tdnf", "dnf5"):
		return Dnf, args
	case c.Is("zypper"):
		return Zypper, args
	case pipRe.MatchString(c.Name):
		return Pip, args
	case pythonRe.MatchString(c.Name):
		for i := 0; i+1 < len(args); i++ {
			if args[i].Value == "-m" && pipRe.MatchString(args[i+1].Value) {
				return Pip, args[i+2:]
			}
		}
	case c.Is("uv") && len(args) > 0 && args[0].Value == "pip":
		return Pip, args[1:]
	case c.Is("npm"):
		return Npm, args
	case c.Is("yarn"):
		return Yarn, args
	case c.Is("pnpm"):
		return Pnpm, args
	case c.Is("gem"):
		return Gem, args
	case c.Is("go"):
		return Go, args
	}
	return "", nil
}

var installVerbs = map[Manager][]string{
	Apt:    {"install"},
	Apk:    {"add"},
	Dnf:    {"install", "groupinstall", "localinstall"},
	Zypper: {"install", "in"},
	Pip:    {"install"},
	Npm:    {"install", "i", "add", "ci", "isntall", "in"},
	Yarn:   {"add", "install"},
	Pnpm:   {"add", "install", "i"},
	Gem:    {"install", "i"},
	Go:     {"install", "get"},
}

// InstallOf reports whether c installs packages, and which.
func InstallOf(c *Command) (*Install, bool) {
	m, args := ManagerOf(c)
	if m == "" {
		return nil, false
	}
	view := &Command{Name: c.Name, Args: args}
	pos := view.Positionals(valueFlags[m]...)
	if m == Yarn && len(pos) > 0 && pos[0].Value == "global" {
		pos = pos[1:]
	}
	if len(pos) == 0 {
		// `yarn` alone installs the lockfile.
		if m == Yarn && len(args) == 0 {
			return &Install{Manager: m, Cmd: c, Verb: "install"}, true
		}
		return nil, false
	}
	verb := pos[0].Value
	if !contains(installVerbs[m], verb) {
		return nil, false
	}
	in := &Install{Manager: m, Cmd: c, Verb: verb, Packages: pos[1:]}
	for i, a := range args {
		if a.Pos == pos[0].Pos && a.Value == verb {
			in.Options = args[i+1:]
			break
		}
	}
	return in, true
}

// Installs lists the install commands of a script. Many rules ask, so the
// answer is kept; a Script is read by one goroutine at a time.
func (s *Script) Installs() []*Install {
	if s.installsRead {
		return s.installs
	}
	for _, c := range s.Commands {
		if in, ok := InstallOf(c); ok {
			s.installs = append(s.installs, in)
		}
	}
	s.installsRead = true
	return s.installs
}

// OptionsHave reports whether the options after the verb include one of flags
// (same matching as Command.HasFlag), or the command's flags before the verb do.
func (in *Install) HasFlag(names ...string) bool {
	return in.Cmd.HasFlag(names...)
}

// PackageName strips a version pin and other decorations from a package word:
// "curl=7.88*" → "curl", "flask==2.0" → "flask", "lodash@4" → "lodash".
func PackageName(m Manager, w string) string {
	switch m {
	case Apt, Zypper:
		w, _, _ = strings.Cut(w, "=")
	case Apk:
		if i := strings.IndexAny(w, "=<>~"); i > 0 {
			w = w[:i]
		}
	case Pip:
		if i := strings.IndexAny(w, "=<>!~;[ "); i > 0 {
			w = w[:i]
		}
	case Npm, Yarn, Pnpm:
		if i := strings.LastIndex(w, "@"); i > 0 {
			w = w[:i]
		}
	case Go:
		w, _, _ = strings.Cut(w, "@")
	case Gem:
		w, _, _ = strings.Cut(w, ":")
	case Dnf:
		// name-1.2.3 pins are indistinguishable from names with dashes; keep as is
	}
	return w
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if x == y {
			return true
		}
	}
	return false
}
