package rules

import (
	"path"
	"sort"
	"strings"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	bkshell "github.com/moby/buildkit/frontend/dockerfile/shell"
	"github.com/shipshape-dev/shipshape/dockerfile"
	"github.com/shipshape-dev/shipshape/lint"
	"github.com/shipshape-dev/shipshape/shell"
)

// NoUser: P40.
var NoUser = &lint.Rule{
	Code:  "DF405",
	Name:  "no-user",
	Title: "Switch to an unprivileged USER in the final stage",
	Rationale: "Without a USER instruction the container runs as the base image's default user, which for " +
		"distribution and language images and for scratch is root. A process running as root can change " +
		"anything in the container and is one kernel or runtime bug away from root on the host. Not reported: " +
		"bases whose user is not known to be root, images that step down with gosu or su-exec, servers that " +
		"drop privileges themselves (nginx, Apache, php-fpm) and toolbox images whose command is a shell or REPL.",
	Severity: lint.Info,
	Practice: []string{"P40"},
	Options: []lint.Option{{
		Name: "root-images",
		Doc: "base images whose default user is root: a repository (`python`, `registry.acme.dev/base`) or a " +
			"prefix ending in `/` (`mcr.microsoft.com/dotnet/`); setting it replaces the default list; references containing " +
			"nonroot never count",
		Default: rootImages,
	}},
	Bad: "FROM python:3.12-slim\nWORKDIR /app\nCOPY . .\nRUN pip install --no-cache-dir -r requirements.txt\n" +
		"CMD [\"python\", \"app.py\"]\n",
	Good: "FROM python:3.12-slim\nRUN useradd --system --uid 10001 app\nWORKDIR /app\nCOPY . .\n" +
		"RUN pip install --no-cache-dir -r requirements.txt\nUSER 10001\nCMD [\"python\", \"app.py\"]\n",
	Check: func(p *lint.Pass) {
		final := p.File.FinalStage()
		if final == nil || lastUser(final) != nil {
			return
		}
		chain := stageChain(final)
		image := chain[0].Base
		if !baseResolved(p.File, chain[0]) || !knownRoot(image, p.StringsOption("root-images")) {
			return
		}
		for _, in := range chainInstructions(final) {
			if in.Name == "shell" && !p.PosixShell(in) {
				return
			}
		}
		if dropsPrivileges(p, final) || toolboxOrSelfDropping(final) {
			return
		}
		args := final.From.Args
		off := strings.Index(args.S, final.BaseName)
		if off < 0 {
			off = 0
		}
		start, end := textRange(&args, off, len(final.BaseName))
		p.Report(start, end, noUserMessage(p, final, image))
	},
}

// rootImages are bases that run as root and leave the user to the image built
// on them: distributions, language runtimes and build images.
var rootImages = []string{
	"scratch", "gcr.io/distroless/",
	"debian", "ubuntu", "alpine", "busybox", "fedora", "centos", "rockylinux", "almalinux", "oraclelinux",
	"amazonlinux", "archlinux", "opensuse/", "photon", "clearlinux", "mageia", "redhat/", "registry.access.redhat.com/",
	"buildpack-deps", "python", "pypy", "node", "golang", "ruby", "php", "perl", "rust", "openjdk", "eclipse-temurin",
	"amazoncorretto", "ibm-semeru-runtimes", "sapmachine", "maven", "gradle", "erlang", "elixir", "haskell", "julia",
	"swift", "dart", "clojure", "groovy", "mono", "gcc", "bash", "mcr.microsoft.com/dotnet/",
}

// knownRoot reports whether a base image is known to run as root by default.
func knownRoot(image string, roots []string) bool {
	l := strings.ToLower(image)
	if l == "" || strings.Contains(l, "$") || isWindowsImage(l) {
		return false
	}
	for _, w := range []string{"nonroot", "non-root", "unprivileged", "rootless"} {
		if strings.Contains(l, w) {
			return false
		}
	}
	repo := imageRepo(l)
	for _, k := range roots {
		k = strings.ToLower(strings.TrimPrefix(strings.TrimPrefix(k, "docker.io/"), "library/"))
		if strings.HasSuffix(k, "/") && strings.HasPrefix(repo, k) || repo == k {
			return true
		}
	}
	return false
}

// replPrograms are the default commands of toolbox images: a shell or an
// interpreter's prompt, meant to be replaced by whoever runs or extends them.
var replPrograms = map[string]bool{
	"sh": true, "bash": true, "ash": true, "dash": true, "zsh": true, "ksh": true, "busybox": true,
	"python": true, "python2": true, "python3": true, "pypy": true, "pypy3": true, "node": true, "irb": true,
	"php": true, "jshell": true, "iex": true, "erl": true, "ghci": true, "julia": true, "R": true, "pwsh": true,
	"swift": true, "groovysh": true, "lein": true, "clojure": true, "perl5": true, "deno": true, "bun": true,
}

// selfDropping are servers whose master starts as root and runs its workers
// as an unprivileged user by configuration.
var selfDropping = map[string]bool{
	"nginx": true, "httpd": true, "httpd-foreground": true, "apache2": true, "apache2-foreground": true,
	"apache2ctl": true, "apachectl": true, "php-fpm": true, "squid": true, "named": true, "openresty": true,
}

// toolboxOrSelfDropping reports a final stage whose command is a shell or REPL
// (or none at all: the base image's shell), or a server that drops privileges.
func toolboxOrSelfDropping(final *dockerfile.Stage) bool {
	var cmd, ep []string
	for _, in := range chainInstructions(final) {
		switch in.Name {
		case "cmd":
			cmd = in.Words
		case "entrypoint":
			ep = in.Words
		}
	}
	prog := func(words []string) (string, []string) {
		if len(words) == 0 {
			return "", nil
		}
		f := strings.Fields(words[0]) // shell form: one string
		if len(words) > 1 || len(f) == 0 {
			f = words
		}
		return path.Base(f[0]), f[1:]
	}
	epProg, _ := prog(ep)
	cmdProg, cmdArgs := prog(cmd)
	if selfDropping[epProg] || strings.HasPrefix(epProg, "php-fpm") ||
		(ep == nil || strings.Contains(epProg, "entrypoint")) && (selfDropping[cmdProg] || strings.HasPrefix(cmdProg, "php-fpm")) {
		return true
	}
	if ep != nil && !strings.Contains(epProg, "entrypoint") {
		return false
	}
	if cmd == nil {
		return true
	}
	if !replPrograms[cmdProg] {
		return false
	}
	for _, a := range cmdArgs {
		if !strings.HasPrefix(a, "-") {
			return false
		}
	}
	return true
}

// noUserMessage says which user the container gets and how to switch, fitted
// to the base image and to the users the Dockerfile already creates.
func noUserMessage(p *lint.Pass, final *dockerfile.Stage, image string) string {
	from := "`FROM " + image + "`"
	repo := imageRepo(image)
	switch {
	case image == "scratch":
		return "the final stage is built " + from + " and never sets USER, so the container runs as root (UID 0); " +
			"add `USER 65534:65534` (nobody): numeric IDs need no /etc/passwd"
	case strings.HasPrefix(repo, "gcr.io/distroless/"):
		return "the final stage never sets USER and " + from + " runs as root; use the `:nonroot` tag of the image or add `USER 65532:65532`"
	}
	head := "the final stage never sets USER, so the container runs as the default user of `" + image + "`, root; "
	if u := createdUser(p, final); u != "" {
		return head + "the Dockerfile creates user `" + u + "`: switch to it with `USER " + u + "` after the steps that need root " +
			"(unless the program steps down from root by itself)"
	}
	if repo == "node" {
		return head + "the image comes with the unprivileged user `node`: add `USER node` after the steps that need root"
	}
	create := "`RUN useradd --system --uid 10001 app`"
	if strings.Contains(repo, "alpine") || strings.Contains(image, "alpine") || usesApk(p, final) {
		create = "`RUN adduser -D -u 10001 app`"
	}
	return head + "create an unprivileged user (" + create + ") and add `USER 10001` after the steps that need root"
}

// imageRepo is the repository of an image reference, without tag, digest,
// docker.io/ or library/.
func imageRepo(image string) string {
	ref, _, _ := strings.Cut(image, "@")
	if i := strings.LastIndex(ref, ":"); i > strings.LastIndex(ref, "/") {
		ref = ref[:i]
	}
	ref = strings.TrimPrefix(ref, "docker.io/")
	ref = strings.TrimPrefix(ref, "index.docker.io/")
	return strings.TrimPrefix(ref, "library/")
}

func isWindowsImage(image string) bool {
	l := strings.ToLower(image)
	return strings.Contains(l, "windows") || strings.Contains(l, "nanoserver") || strings.Contains(l, "servercore")
}

// createdUser returns the name of the last user a RUN of the chain creates with
// useradd or adduser, or "".
func createdUser(p *lint.Pass, final *dockerfile.Stage) string {
	user := ""
	for _, in := range chainInstructions(final) {
		s := p.Script(in)
		if s == nil {
			continue
		}
		for _, c := range s.Commands {
			var pos []shell.Word
			switch c.Name {
			case "useradd":
				pos = c.Positionals("-u", "-g", "-G", "-d", "-s", "-c", "-k", "-e", "-f", "-K", "-p", "-R", "-b", "-P",
					"--uid", "--gid", "--groups", "--home-dir", "--shell", "--comment", "--skel", "--expiredate", "--inactive",
					"--key", "--password", "--root", "--base-dir", "--prefix")
			case "adduser":
				pos = c.Positionals("-u", "-g", "-G", "-h", "-s", "-k", "--uid", "--gid", "--home", "--shell", "--ingroup",
					"--gecos", "--firstuid", "--lastuid", "--add_extra_groups", "--comment")
			default:
				continue
			}
			if n := len(pos); n > 0 && pos[0].Literal {
				// `adduser user group` adds a user to a group: the user is first.
				name := path.Base(pos[0].Value)
				if name != "" && !strings.ContainsAny(name, "$=") {
					user = name
				}
			}
		}
	}
	return user
}

func usesApk(p *lint.Pass, final *dockerfile.Stage) bool {
	for _, in := range chainInstructions(final) {
		if s := p.Script(in); s != nil {
			for _, c := range s.Commands {
				if c.Name == "apk" {
					return true
				}
			}
		}
	}
	return false
}

// baseResolved reports whether every variable in the stage's FROM has a default
// among the meta ARGs, so that Base names the image a plain build uses.
func baseResolved(f *dockerfile.File, s *dockerfile.Stage) bool {
	if !strings.Contains(s.BaseName, "$") {
		return true
	}
	env := metaDefaults{}
	for _, in := range f.MetaArgs {
		if a, ok := in.Command.(*instructions.ArgCommand); ok {
			for _, kv := range a.Args {
				if kv.Value != nil {
					env[kv.Key] = *kv.Value
				} else {
					delete(env, kv.Key)
				}
			}
		}
	}
	_, unmatched, err := bkshell.NewLex(f.Escape).ProcessWord(s.BaseName, env)
	return err == nil && len(unmatched) == 0
}

// metaDefaults is the environment of FROM lines: the meta ARGs' defaults.
type metaDefaults map[string]string

func (m metaDefaults) Get(k string) (string, bool) { v, ok := m[k]; return v, ok }
func (m metaDefaults) Keys() []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
