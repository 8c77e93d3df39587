package rules

import (
	"bytes"
	"encoding/json"
	"strings"

	"github.com/shipshape-dev/shipshape/dockerfile"
	"github.com/shipshape-dev/shipshape/lint"
	"github.com/shipshape-dev/shipshape/shell"
)

// ExecFormCmd: P42.
var ExecFormCmd = &lint.Rule{
	Code:  "DF407",
	Name:  "exec-form-cmd",
	Title: "Write CMD and ENTRYPOINT in exec (JSON) form",
	Rationale: "In shell form the container's main process is `/bin/sh -c`, which may stay PID 1 and not pass " +
		"SIGTERM on to the program, so `docker stop` waits out its timeout and then kills it without a chance " +
		"to shut down cleanly. A shell-form ENTRYPOINT also ignores CMD and the arguments of `docker run`. " +
		"The exec form runs the program itself.",
	Severity: lint.Warning,
	Fixable:  true,
	Aliases:  []string{"DL3025"},
	Practice: []string{"P42"},
	Bad:      "FROM nginx:1.25\nCOPY site /usr/share/nginx/html\nCMD nginx -g 'daemon off;'\n",
	Good:     "FROM nginx:1.25\nCOPY site /usr/share/nginx/html\nCMD [\"nginx\", \"-g\", \"daemon off;\"]\n",
	Check: func(p *lint.Pass) {
		final := p.File.FinalStage()
		if final == nil {
			return
		}
		var cmd, ep *dockerfile.Instruction
		for _, in := range chainInstructions(final) {
			switch in.Name {
			case "cmd":
				cmd = in
			case "entrypoint":
				ep = in
				// An ENTRYPOINT resets the CMD the stage inherited.
				if cmd != nil && cmd.Stage != in.Stage {
					cmd = nil
				}
			}
		}
		if ep != nil && !ep.JSON {
			checkShellForm(p, ep, cmd, nil)
		}
		if cmd != nil && !cmd.JSON && (ep == nil || ep.JSON) {
			checkShellForm(p, cmd, nil, ep)
		}
	},
}

// checkShellForm reports a shell-form CMD or ENTRYPOINT, with a rewrite in exec
// form when the command is plain words. cmd is the CMD a shell-form ENTRYPOINT
// ignores; ep the exec-form ENTRYPOINT a shell-form CMD is passed to.
func checkShellForm(p *lint.Pass, in, cmd, ep *dockerfile.Instruction) {
	if !p.PosixShell(in) {
		return
	}
	text := strings.TrimRight(in.Args.S, " \t")
	if text == "" || endsWithExec(text, &in.Args) {
		return
	}
	kw := strings.ToUpper(in.Keyword)
	start, end := textRange(&in.Args, 0, len(text))
	head := "`" + kw + " " + strings.TrimPrefix(quoteShort(text, 60), "`") + " is in shell form: it runs under `" +
		strings.Join(p.Shell(in), " ") + "`, which may stay PID 1 and not pass SIGTERM on, so `docker stop` waits out " +
		"its timeout and then kills the program"
	argv, plain := shell.PlainArgv(text)
	exec := ""
	if plain {
		exec = kw + " " + jsonArray(argv)
	}
	switch {
	case cmd != nil:
		msg := head + "; a shell-form ENTRYPOINT also ignores `" + strings.ToUpper(cmd.Keyword) + "` and `docker run` arguments; "
		if plain {
			msg += "write it as `" + exec + "` and check that the CMD holds only the arguments to add"
		} else {
			msg += "write it in exec form (`" + kw + " [\"prog\", \"arg\"]`) with the CMD as its default arguments"
		}
		p.Report(start, end, msg)
		return
	case !plain:
		p.Report(start, end, head+"; write it in exec form (`"+kw+" [\"prog\", \"arg\"]`), or if it needs the shell, "+
			"start the command with `exec` so the program replaces the shell")
		return
	}
	msg := head + "; write it in exec form: `" + exec + "`"
	if ep != nil {
		msg += " (as written, the ENTRYPOINT receives `" + strings.Join(p.Shell(in), " ") + " …` as its arguments)"
	}
	f := p.Report(start, end, msg)
	if commentInside(p.File, in) {
		return
	}
	f.Fix = &lint.Fix{
		Description: "rewrite " + kw + " in exec form",
		Edits:       []lint.Edit{{Line: start.Line, Column: start.Col, EndLine: end.Line, EndColumn: end.Col, New: jsonArray(argv)}},
	}
}

// endsWithExec reports whether the shell command ends by exec-ing the program,
// which then replaces the shell as PID 1.
func endsWithExec(text string, args *dockerfile.Text) bool {
	s, err := shell.Parse(text, func(off int) shell.Pos { return shell.Pos(args.PosAt(off)) })
	if err != nil || len(s.Commands) == 0 {
		return false
	}
	last := s.Commands[len(s.Commands)-1]
	return len(last.Wrappers) > 0 && last.Wrappers[0] == "exec" && !last.Piped && !last.Background
}

// commentInside reports a comment line within a continued instruction, which a
// one-line rewrite would drop.
func commentInside(f *dockerfile.File, in *dockerfile.Instruction) bool {
	for _, c := range f.Comments {
		if c.Line > in.Range.Start.Line && c.Line <= in.Range.End.Line {
			return true
		}
	}
	return false
}

// jsonArray writes argv as a Dockerfile JSON array: `["nginx", "-g", "daemon off;"]`.
func jsonArray(argv []string) string {
	parts := make([]string, len(argv))
	for i, a := range argv {
		var b bytes.Buffer
		enc := json.NewEncoder(&b)
		enc.SetEscapeHTML(false)
		_ = enc.Encode(a)
		parts[i] = strings.TrimSuffix(b.String(), "\n")
	}
	return "[" + strings.Join(parts, ", ") + "]"
}
