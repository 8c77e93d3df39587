package rules

import (
	"fmt"
	"path"
	"strings"

	"github.com/shipshape-dev/shipshape/dockerfile"
	"github.com/shipshape-dev/shipshape/lint"
	"github.com/shipshape-dev/shipshape/shell"
)

// EntrypointScriptExec: P43.
var EntrypointScriptExec = &lint.Rule{
	Code:  "DF305",
	Name:  "entrypoint-script-exec",
	Title: "End an entrypoint script with `exec`",
	Rationale: "A shell script that ENTRYPOINT runs is PID 1 of the container. When its last command starts the " +
		"application without `exec`, the shell stays PID 1 and the application runs as its child: `docker stop` " +
		"sends SIGTERM to the shell, which does not pass it on, so the application is killed ten seconds " +
		"later instead of shutting down cleanly. `exec \"$@\"` (or `exec app …`) replaces the shell with the " +
		"application. shipshape follows ENTRYPOINT through COPY, WORKDIR and PATH back to the script in the " +
		"build context and reads that one file (up to 1 MiB); it needs the build context: the Dockerfile's " +
		"directory, or `--context DIR`.",
	Severity: lint.Warning,
	Practice: []string{"P43"},
	Bad:      "FROM python:3.12-slim\nWORKDIR /app\nCOPY . .\nCOPY start.sh /usr/local/bin/\nENTRYPOINT [\"start.sh\"]\nCMD [\"gunicorn\", \"--worker-tmp-dir\", \"/dev/shm\", \"app:app\"]\n",
	Good:     "FROM python:3.12-slim\nWORKDIR /app\nCOPY . .\nCOPY docker-entrypoint.sh /usr/local/bin/\nENTRYPOINT [\"docker-entrypoint.sh\"]\nCMD [\"gunicorn\", \"--worker-tmp-dir\", \"/dev/shm\", \"app:app\"]\n",
	Check:    checkEntrypointExec,
}

// searchPath is where a bare command name is looked up: the PATH of the
// common base images.
var searchPath = []string{"/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"}

func checkEntrypointExec(p *lint.Pass) {
	// Without an ENTRYPOINT, or under one that is only an init (tini), a CMD
	// that runs a script puts the shell in the same place.
	ep, cmd := rtFinalProcess(p.File)
	var script string
	if ep != nil {
		script = entrypointScript(p, ep)
	}
	if script == "" && cmd != nil && (ep == nil || (ep.JSON && initOnly(ep.Words))) {
		ep, script = cmd, entrypointScript(p, cmd)
	}
	if script == "" {
		return
	}
	wd := workdirAt(ep)
	var at []string
	switch {
	case strings.Contains(script, "/"):
		if a := wd.resolve(script); a != "" {
			at = append(at, a)
		}
	default:
		for _, d := range searchPath {
			at = append(at, path.Join(d, script))
		}
		if wd.Known && wd.Dir != "" {
			// not on PATH, but a common mistake that works in shell form
			at = append(at, path.Join(wd.Dir, script))
		}
	}
	if len(at) == 0 {
		return
	}
	r := p.Sources()
	if r == nil {
		return
	}
	landed, ok := dcFileAt(dcShippedCopies(p, r), at...)
	if !ok {
		return
	}
	file := landed.File
	data, ok := dcRead(r.Context(), file.File)
	if !ok || !isShellScript(file.Path, string(data)) {
		return
	}
	last, why := lastCommandWithoutExec(string(data))
	if last == nil {
		return
	}
	text := scriptCommandText(string(data), last)
	p.ReportInstruction(ep, fmt.Sprintf("%s runs `%s`, whose last command `%s` (%s:%d) %s: the shell stays the container's main process "+
		"and does not pass SIGTERM on, so `docker stop` kills the application after the grace period instead of "+
		"letting it shut down; make it `exec %s`",
		strings.ToUpper(ep.Name), file.Path, text, file.Path, last.Pos.Line, why, text))
}

// entrypointScript returns the program an ENTRYPOINT starts when that may be a
// script: past an init (tini, dumb-init) and a shell given a file to run.
func entrypointScript(p *lint.Pass, ep *dockerfile.Instruction) string {
	var words []string
	if ep.JSON {
		words = ep.Words
	} else {
		// only a shell form that is one plain command names the main process
		r := rtReadRun(p, ep)
		if r == nil || len(r.Commands) != 1 || !r.Commands[0].Prog.Literal {
			return ""
		}
		c := r.Commands[0]
		words = []string{c.Prog.Value}
		for _, a := range c.Args {
			words = append(words, a.Value)
		}
	}
	words = skipInit(words)
	if len(words) > 0 && rtIsShell(path.Base(words[0])) {
		rest := words[1:]
		for len(rest) > 0 && strings.HasPrefix(rest[0], "-") {
			if !strings.HasPrefix(rest[0], "--") && strings.Contains(rest[0], "c") {
				return "" // `sh -c '…'` runs a string, not a file
			}
			rest = rest[1:]
		}
		words = rest
	}
	if len(words) == 0 || strings.ContainsAny(words[0], "$`") {
		return ""
	}
	return words[0]
}

// skipInit drops an init process and its options from the front of a command.
func skipInit(words []string) []string {
	if len(words) == 0 {
		return words
	}
	switch path.Base(words[0]) {
	case "tini", "tini-static", "dumb-init", "catatonit":
	default:
		return words
	}
	words = words[1:]
	for len(words) > 0 && strings.HasPrefix(words[0], "-") {
		done := words[0] == "--"
		words = words[1:]
		if done {
			break
		}
	}
	return words
}

// initOnly reports whether an exec-form ENTRYPOINT only starts an init, which
// then runs CMD.
func initOnly(words []string) bool {
	return len(words) > 0 && len(skipInit(words)) == 0
}

// isShellScript reports whether a file is run by a POSIX shell: its shebang
// names one, or it has none and its name ends in .sh.
func isShellScript(name, src string) bool {
	first, _, _ := strings.Cut(src, "\n")
	if !strings.HasPrefix(first, "#!") {
		return strings.HasSuffix(name, ".sh")
	}
	f := strings.Fields(strings.TrimPrefix(first, "#!"))
	if len(f) == 0 {
		return false
	}
	prog := path.Base(f[0])
	if prog == "env" {
		for _, a := range f[1:] {
			if !strings.HasPrefix(a, "-") {
				prog = path.Base(a)
				break
			}
		}
	}
	switch prog {
	case "sh", "bash", "dash", "ash", "ksh", "busybox":
		return true
	}
	return false
}

// notMainProcess are commands that, last in a script, are not the
// application: builtins and short file utilities.
var notMainProcess = map[string]bool{
	"echo": true, "printf": true, "true": true, "false": true, ":": true, "exit": true, "return": true, "wait": true,
	"set": true, "export": true, "unset": true, "shift": true, "cd": true, "trap": true, "source": true, ".": true,
	"eval": true, "test": true, "[": true, "[[": true, "read": true, "local": true, "readonly": true, "umask": true, "ulimit": true,
	"chmod": true, "chown": true, "mkdir": true, "rm": true, "cp": true, "mv": true, "ln": true, "touch": true,
	"cat": true, "sed": true, "envsubst": true, "kill": true, "logger": true, "date": true, "id": true,
}

// lastCommandWithoutExec parses a script and returns its last command when
// that starts the application without exec, with how it does; nil when the
// script ends in exec, in something other than a plain command, or does not parse.
func lastCommandWithoutExec(src string) (*shell.Command, string) {
	s, err := shell.Parse(src, dcLines(src))
	if err != nil || len(s.Commands) == 0 {
		return nil, ""
	}
	var last *shell.Command
	for _, c := range rtStatements(s.Commands) {
		if c.TopLevel {
			last = c
		}
	}
	if last == nil {
		return nil, ""
	}
	// anything after it (a compound statement, a function body) makes the end unclear
	for _, c := range s.Commands {
		if dockerfile.Pos(last.Pos).Before(dockerfile.Pos(c.Pos)) && !rtWithin(c, last) {
			return nil, ""
		}
	}
	if last.Background || last.Piped || last.OnFailure || len(last.Wrappers) > 0 && last.Wrappers[0] == "exec" {
		return nil, ""
	}
	if last.Prog.Literal && (notMainProcess[last.Name] || definesFunction(src, last.Prog.Value)) {
		return nil, "" // a function of the script (`main "$@"`) may exec inside
	}
	if v := last.Prog.Value; v == "$@" || v == "${@}" || v == "$*" {
		return last, "runs the container's command as a child of the shell"
	}
	if !last.Prog.Literal {
		return nil, ""
	}
	return last, "starts the application as a child of the shell"
}

// definesFunction reports whether a script defines a shell function name:
// `name() {`, `name () (` or `function name`.
func definesFunction(src, name string) bool {
	if name == "" || strings.ContainsAny(name, "/$") {
		return false
	}
	for _, line := range strings.Split(src, "\n") {
		l := strings.TrimSpace(line)
		if rest, ok := strings.CutPrefix(l, "function "); ok {
			l = strings.TrimSpace(rest)
			if strings.HasPrefix(l, name) && (len(l) == len(name) || strings.ContainsRune(" \t({", rune(l[len(name)]))) {
				return true
			}
			continue
		}
		if rest, ok := strings.CutPrefix(l, name); ok && strings.HasPrefix(strings.TrimSpace(rest), "()") {
			return true
		}
	}
	return false
}

// scriptCommandText quotes a command as the script writes it: its first line,
// continuation lines elided, shortened.
func scriptCommandText(src string, c *shell.Command) string {
	lines := strings.Split(src, "\n")
	if c.Pos.Line < 1 || c.Pos.Line > len(lines) {
		return c.Prog.Value
	}
	line := lines[c.Pos.Line-1]
	from, to := c.Pos.Col-1, len(line)
	if c.End.Line == c.Pos.Line && c.End.Col-1 <= len(line) {
		to = c.End.Col - 1
	}
	if from < 0 || from > to {
		return c.Prog.Value
	}
	text := strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(line[from:to]), "\\"))
	if c.End.Line > c.Pos.Line {
		text += " …"
	}
	return shorten(text, 60)
}
