package rules

import (
	"path"
	"strings"

	"github.com/shipshape-dev/shipshape/dockerfile"
	"github.com/shipshape-dev/shipshape/lint"
	"github.com/shipshape-dev/shipshape/shell"
)

// InitProcess: P45.
var InitProcess = &lint.Rule{
	Code:  "DF409",
	Name:  "init-process",
	Title: "Put an init in front of shells and child-spawning apps",
	Rationale: "PID 1 in a container gets no default signal handling and inherits every orphaned process. " +
		"A shell that stays PID 1 ignores the SIGTERM of `docker stop`, so the app is killed after the grace " +
		"period instead of shutting down cleanly, and headless browsers leave zombie processes that pile up " +
		"until the process table is full. `exec` the final command, or run a small init such as tini or dumb-init as PID 1.",
	Severity: lint.Info,
	Practice: []string{"P45"},
	Bad:      "FROM python:3.12-slim\nCOPY . /app\nCMD [\"sh\", \"-c\", \"python manage.py migrate && gunicorn app.wsgi\"]\n",
	Good:     "FROM python:3.12-slim\nCOPY . /app\nCMD [\"sh\", \"-c\", \"python manage.py migrate && exec gunicorn app.wsgi\"]\n",
	Check: func(p *lint.Pass) {
		if rtHasInit(p) {
			return
		}
		rtCheckShellPID1(p)
		rtCheckBrowser(p)
	},
}

const rtInitAdvice = "put an init in front: `ENTRYPOINT [\"tini\", \"--\"]` (package tini) or `docker run --init`"

// rtCheckShellPID1 reports a shell that stays PID 1 because its last command is not exec'd.
func rtCheckShellPID1(p *lint.Pass) {
	ep, cmd := rtFinalProcess(p.File)
	in := ep
	if in == nil {
		in = cmd
	}
	if in == nil {
		return
	}
	if !in.JSON {
		return // the shell form is DF407's finding
	}
	r := rtReadRun(p, in)
	if r == nil || !r.Shell || len(r.Script.Commands) == 0 {
		return
	}
	sh := r.Script.Commands[0].Name
	// bash (5.1 on) and busybox ash exec the last command of a `-c` string
	// themselves; Debian's dash, the /bin/sh of Debian and Ubuntu images, keeps
	// running and waits for it.
	distro := rtDashDistro(p.File)
	if (sh != "sh" && sh != "dash") || distro == "" {
		return
	}
	stmts := rtStatements(r.Commands)
	if len(stmts) == 0 {
		return
	}
	for _, c := range stmts {
		// a script that traps signals or waits on background jobs manages its children itself
		if c.Background || c.Name == "trap" {
			return
		}
	}
	last := stmts[len(stmts)-1]
	if last.Name == "" || rtHasWrapper(last, "exec") || rtIsInit(last.Name) {
		return
	}
	p.ReportCommand(last, "`"+sh+"` (dash on this "+distro+"-based image) stays PID 1 and runs `"+rtQuote(last)+
		"` as its child: a shell as PID 1 ignores the SIGTERM of `docker stop`, so the app is killed after the grace "+
		"period instead of shutting down cleanly; prefix the command with `exec` (`exec "+rtQuote(last)+
		"`) so it replaces the shell, or "+rtInitAdvice)
}

// Docker Hub images whose default variants are built on Debian or Ubuntu.
var rtDebianFamily = map[string]string{
	"debian": "Debian", "ubuntu": "Ubuntu", "python": "Debian", "node": "Debian", "ruby": "Debian",
	"golang": "Debian", "php": "Debian", "perl": "Debian", "rust": "Debian", "buildpack-deps": "Debian",
	"gcc": "Debian", "nginx": "Debian", "httpd": "Debian", "postgres": "Debian", "redis": "Debian",
	"eclipse-temurin": "Ubuntu", "tomcat": "Ubuntu", "maven": "Ubuntu", "gradle": "Ubuntu",
}

// rtDashDistro returns "Debian" or "Ubuntu" when the final image's /bin/sh is
// surely dash, judged from the base image it is built on; "" when unsure.
func rtDashDistro(f *dockerfile.File) string {
	chain := rtChain(f)
	if len(chain) == 0 {
		return ""
	}
	ref := strings.ToLower(chain[0].Base)
	repo := rtRepository(ref)
	tag := strings.TrimPrefix(strings.TrimPrefix(ref, repo), ":")
	for _, other := range []string{"alpine", "ubi", "oracle", "amazon", "corretto", "windows", "nanoserver", "busybox", "distroless", "wolfi"} {
		if strings.Contains(tag, other) {
			return ""
		}
	}
	for _, d := range []string{"bookworm", "bullseye", "buster", "trixie"} {
		if strings.Contains(tag, d) {
			return "Debian"
		}
	}
	for _, u := range []string{"jammy", "noble", "focal"} {
		if strings.Contains(tag, u) {
			return "Ubuntu"
		}
	}
	repo = strings.TrimPrefix(strings.TrimPrefix(repo, "docker.io/"), "library/")
	return rtDebianFamily[repo]
}

func rtHasWrapper(c *shell.Command, name string) bool {
	for _, w := range c.Wrappers {
		if w == name {
			return true
		}
	}
	return false
}

// Headless browsers spawn renderer processes whose orphans PID 1 must reap.
var rtBrowserPackages = map[string]bool{
	"chromium": true, "chromium-browser": true, "chromium-headless-shell": true,
	"google-chrome-stable": true, "google-chrome-beta": true, "google-chrome-unstable": true,
}

var rtBrowserNodePackages = map[string]bool{
	"puppeteer": true, "playwright-chromium": true,
}

// rtCheckBrowser reports the first place a headless browser enters the final image.
func rtCheckBrowser(p *lint.Pass) {
	const why = ", and headless browsers leave zombie processes behind: their renderer and helper processes are " +
		"re-parented to PID 1 when they exit, an app running as PID 1 never reaps them, and they pile up until the " +
		"container can start no more processes; "
	for _, s := range rtChain(p.File) {
		if s.BaseStage != nil {
			continue
		}
		repo := rtRepository(s.Base)
		if repo == "mcr.microsoft.com/playwright" || repo == "ghcr.io/puppeteer/puppeteer" {
			p.ReportInstruction(s.From, "the base image `"+s.Base+"` ships a headless browser"+why+rtInitAdvice)
			return
		}
	}
	done := false
	rtInstalled(p, func(in *dockerfile.Instruction, m shell.Manager, name string, w shell.Word) bool {
		switch m {
		case shell.Apt, shell.Apk, shell.Dnf, shell.Zypper:
			done = rtBrowserPackages[name]
		case shell.Npm, shell.Yarn, shell.Pnpm:
			done = rtBrowserNodePackages[name]
		}
		if done {
			p.ReportWord(w, "`"+w.Value+"` installs a headless browser"+why+rtInitAdvice)
		}
		return done
	})
	if done {
		return
	}
	for _, in := range rtShipping(p.File) {
		s := p.Script(in)
		if s == nil {
			continue
		}
		for _, c := range s.Commands {
			args := c.Args
			if c.Is("npx", "pnpx", "bunx", "yarn", "pnpm") && len(args) > 0 && args[0].Value == "playwright" {
				args = args[1:]
			} else if !c.Is("playwright") {
				continue
			}
			if len(args) > 0 && args[0].Value == "install" {
				p.ReportCommand(c, "`playwright install` downloads headless browsers"+why+rtInitAdvice)
				return
			}
		}
	}
}

// rtRepository returns an image reference without its tag and digest.
func rtRepository(ref string) string {
	ref, _, _ = strings.Cut(ref, "@")
	if i := strings.LastIndex(ref, ":"); i > strings.LastIndex(ref, "/") {
		ref = ref[:i]
	}
	return strings.ToLower(ref)
}

// rtInitNames are the programs that can serve as PID 1 and reap orphans.
func rtIsInit(name string) bool {
	name = strings.ToLower(name)
	switch name {
	case "dumb-init", "catatonit", "docker-init", "init", "s6-svscan", "runsvdir", "supervisord", "my_init", "pid1":
		return true
	}
	return strings.HasPrefix(name, "tini")
}

// rtMentionsInit reports whether a path or image name points at an init binary or bundle.
func rtMentionsInit(v string) bool {
	v = strings.ToLower(v)
	base := path.Base(v)
	return strings.HasPrefix(base, "tini") || strings.HasPrefix(base, "dumb-init") || base == "catatonit" ||
		strings.Contains(v, "s6-overlay") || strings.Contains(v, "krallin/tini")
}

// rtHasInit reports whether the final image has an init: run as its ENTRYPOINT
// or CMD, installed, downloaded or copied into a shipping stage, or brought by a
// base image built around one.
func rtHasInit(p *lint.Pass) bool {
	for _, r := range rtFinalRuns(p) {
		for _, c := range r.Script.Commands {
			if rtIsInit(c.Name) {
				return true
			}
		}
	}
	for _, s := range rtChain(p.File) {
		b := strings.ToLower(s.Base)
		if s.BaseStage == nil && (strings.Contains(b, "linuxserver/") || strings.Contains(b, "phusion/baseimage") ||
			strings.Contains(b, "s6-overlay") || strings.Contains(b, "jlesage/baseimage")) {
			return true
		}
	}
	for _, in := range rtShipping(p.File) {
		switch in.Name {
		case "copy", "add":
			if f, ok := in.Flag("from"); ok && rtMentionsInit(f.Value) {
				return true
			}
			for _, w := range in.Words {
				if rtMentionsInit(w) {
					return true
				}
			}
		case "run":
			s := p.Script(in)
			if s == nil {
				continue
			}
			for _, c := range s.Commands {
				if rtMentionsInit(c.Prog.Value) {
					return true
				}
				for _, a := range c.Args {
					if rtMentionsInit(a.Value) {
						return true
					}
				}
			}
		}
	}
	return false
}
