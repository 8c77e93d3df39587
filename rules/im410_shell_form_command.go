package rules

import (
	"encoding/json"
	"fmt"
	"path"
	"strings"

	"github.com/shipshape-dev/shipshape/layers"
	"github.com/shipshape-dev/shipshape/lint"
	"github.com/shipshape-dev/shipshape/shell"
)

// ShellFormCommand: P42.
var ShellFormCommand = &lint.Rule{
	Code:  "IM410",
	Name:  "shell-form-command",
	Title: "Start the main process in exec form, not through `sh -c`",
	Rationale: "A shell-form CMD or ENTRYPOINT is stored as `[\"/bin/sh\", \"-c\", \"…\"]`: the shell becomes the " +
		"container's PID 1 and the application its child. `docker stop` sends SIGTERM to the shell, which " +
		"does not pass it on, so the application is killed after the grace period instead of shutting down " +
		"cleanly, and a shell-form ENTRYPOINT ignores the CMD and `docker run` arguments. The image config " +
		"is checked, so this also catches a command inherited from the base image. A command that starts " +
		"with `exec` is fine.",
	Severity: lint.Warning,
	Practice: []string{"P42"},
	Scope:    lint.ScopeImage,
	Bad:      "FROM python:3.12-slim\nCMD python -m app\n",
	Good:     "FROM python:3.12-slim\nCMD [\"python\", \"-m\", \"app\"]\n",
	Check:    checkShellFormCommand,
}

// shellForm returns the command string of `[sh, -c, cmd]`.
func shellForm(words []string) (string, bool) {
	if len(words) < 3 || !rtIsShell(path.Base(words[0])) || !strings.HasPrefix(words[1], "-") || !strings.Contains(words[1], "c") {
		return "", false
	}
	return words[2], true
}

func checkShellFormCommand(p *lint.Pass) {
	cfg := p.Image.Config()
	c := cfg.Config
	instr, words := "ENTRYPOINT", c.Entrypoint
	if len(c.Entrypoint) == 0 {
		instr, words = "CMD", c.Cmd
	}
	cmd, ok := shellForm(words)
	if !ok || strings.HasPrefix(strings.TrimSpace(cmd), "exec ") {
		return
	}
	hist := -1
	for i, h := range cfg.History {
		if layers.InstructionOf(h.CreatedBy) == instr {
			hist = i
		}
	}
	fix := "write it in exec form, a JSON array"
	if argv, ok := shell.PlainArgv(cmd); ok {
		q, _ := json.Marshal(argv)
		fix = fmt.Sprintf("write it in exec form: `%s %s`", instr, strings.ReplaceAll(string(q), `","`, `", "`))
	} else {
		fix += fmt.Sprintf(" (if it needs the shell, make it `%s [\"/bin/sh\", \"-c\", \"exec …\"]` so the application replaces the shell)", instr)
	}
	extra := ""
	if instr == "ENTRYPOINT" {
		extra = ", and CMD and `docker run` arguments are ignored"
	}
	p.ReportConfig(hist, fix, fmt.Sprintf("the image's %s runs `%s` through `%s -c`%s: the shell is PID 1 and does not pass "+
		"SIGTERM on, so `docker stop` kills the application after the grace period instead of letting it shut down%s. Fix: %s",
		instr, shorten(cmd, 60), words[0], historyWhere(p, hist), extra, fix))
}
