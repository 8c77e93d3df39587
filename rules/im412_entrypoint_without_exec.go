package rules

import (
	"fmt"
	"path"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/shipshape-dev/shipshape/layers"
	"github.com/shipshape-dev/shipshape/lint"
)

// EntrypointWithoutExec: P43.
var EntrypointWithoutExec = &lint.Rule{
	Code:  "IM412",
	Name:  "entrypoint-without-exec",
	Title: "The entrypoint script must `exec` the application",
	Rationale: "When the image's ENTRYPOINT (or CMD) is a shell script, the script is the container's PID 1. If " +
		"its last command starts the application without `exec`, the shell stays PID 1 with the application " +
		"as its child: `docker stop` sends SIGTERM to the shell, which does not pass it on, and the " +
		"application is killed after the grace period instead of shutting down cleanly. End the script with " +
		"`exec \"$@\"` or `exec app …`. shipshape follows the config's ENTRYPOINT through the working " +
		"directory, PATH and symbolic links to the script in the image, reads only that file (up to 64 KiB) " +
		"and parses it as shell.",
	Severity: lint.Warning,
	Practice: []string{"P43", "P42"},
	Scope:    lint.ScopeImage,
	Bad:      "FROM python:3.12-slim\n# start.sh ends with: python -m app\nCOPY start.sh /usr/local/bin/\nENTRYPOINT [\"start.sh\"]\n",
	Good:     "FROM python:3.12-slim\n# start.sh ends with: exec python -m app\nCOPY start.sh /usr/local/bin/\nENTRYPOINT [\"start.sh\"]\n",
	Reads:    readsEntrypointScript,
	Check:    checkEntrypointWithoutExec,
}

// mainScript returns the program the config starts when it may be a script,
// and which instruction names it.
func mainScript(cfg *v1.ConfigFile) (prog, instr string) {
	if cfg == nil {
		return "", ""
	}
	c := cfg.Config
	instr, words := "ENTRYPOINT", skipInit(c.Entrypoint)
	if len(c.Entrypoint) == 0 || len(words) == 0 {
		instr, words = "CMD", skipInit(c.Cmd)
		if len(c.Entrypoint) > 0 {
			instr = "CMD" // run by an init-only ENTRYPOINT
		}
	}
	if len(words) > 0 && rtIsShell(path.Base(words[0])) {
		rest := words[1:]
		for len(rest) > 0 && strings.HasPrefix(rest[0], "-") {
			if !strings.HasPrefix(rest[0], "--") && strings.Contains(rest[0], "c") {
				return "", "" // `sh -c '…'` runs a string: IM410's business
			}
			rest = rest[1:]
		}
		words = rest
	}
	if len(words) == 0 || words[0] == "" || strings.ContainsAny(words[0], "$`") {
		return "", ""
	}
	return words[0], instr
}

func readsEntrypointScript(cfg *v1.ConfigFile) *lint.Want {
	prog, _ := mainScript(cfg)
	if prog == "" {
		return nil
	}
	base := path.Base(prog)
	return &lint.Want{
		Match: func(e *layers.Entry) bool {
			return e.Size > 0 && e.Size <= 1<<20 && path.Base(e.Path) == base
		},
		Head: 64 << 10,
		Read: readEntrypointScript,
	}
}

// scriptEnd is what is kept of an entrypoint script: how its last command
// runs, or ok when it execs.
type scriptEnd struct {
	ok        bool
	line      int
	text, why string
}

func readEntrypointScript(e *layers.Entry, head []byte) any {
	src := string(head)
	if !isShellScript(e.Path, src) {
		return nil
	}
	last, why := lastCommandWithoutExec(src)
	if last == nil {
		return scriptEnd{ok: true}
	}
	return scriptEnd{line: last.Pos.Line, text: scriptCommandText(src, last), why: why}
}

func checkEntrypointWithoutExec(p *lint.Pass) {
	t := p.Image
	cfg := t.Config()
	prog, instr := mainScript(cfg)
	if prog == "" || t.Merged == nil {
		return
	}
	var candidates []string
	switch {
	case strings.HasPrefix(prog, "/"):
		candidates = []string{prog}
	case strings.Contains(prog, "/"):
		wd := cfg.Config.WorkingDir
		if wd == "" {
			wd = "/"
		}
		candidates = []string{path.Join(wd, prog)}
	default:
		dirs := searchPath
		for _, kv := range cfg.Config.Env {
			if v, ok := strings.CutPrefix(kv, "PATH="); ok {
				dirs = strings.Split(v, ":")
			}
		}
		for _, d := range dirs {
			candidates = append(candidates, path.Join(d, prog))
		}
	}
	facts := map[layers.Ref]scriptEnd{}
	for _, f := range p.Facts() {
		facts[f.Ref] = f.Value.(scriptEnd)
	}
	for _, c := range candidates {
		if !t.Merged.Exists(c) {
			continue
		}
		final, err := t.Merged.Resolve(c)
		if err != nil {
			return
		}
		ref, ok := imRef(t, final)
		if !ok {
			return
		}
		end, ok := facts[ref]
		if !ok || end.ok {
			return
		}
		e := t.Taken.Entry(ref)
		li := int(ref.Layer)
		fix := fmt.Sprintf("make the last line of `%s` `exec %s`", e.Display(), end.text)
		p.ReportLayer(li, []lint.ImagePath{{Path: e.Display(), Bytes: e.Size, Files: 1}}, 0, fix, fmt.Sprintf(
			"%s adds `%s`, which the image's %s runs as PID 1; its last command `%s` (line %d of the script) %s: the shell "+
				"stays PID 1 and does not pass SIGTERM on, so `docker stop` kills the application after the grace period "+
				"instead of letting it shut down. Fix: %s",
			imAt(p, li), e.Display(), instr, end.text, end.line, end.why, fix))
		return
	}
}
