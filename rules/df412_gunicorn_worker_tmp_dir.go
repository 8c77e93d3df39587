package rules

import (
	"path"
	"strings"

	"github.com/shipshape-dev/shipshape/dockerfile"
	"github.com/shipshape-dev/shipshape/lint"
	"github.com/shipshape-dev/shipshape/shell"
)

// GunicornWorkerTmpDir: P51.
var GunicornWorkerTmpDir = &lint.Rule{
	Code:  "DF412",
	Name:  "gunicorn-worker-tmp-dir",
	Title: "Give gunicorn a tmpfs worker temp dir",
	Rationale: "Every gunicorn worker signals it is alive by touching a temporary file, by default under /tmp. " +
		"In a container /tmp sits on the overlay filesystem, where that write can stall for seconds under I/O " +
		"load; the arbiter then takes the workers for hung and kills them (WORKER TIMEOUT). `--worker-tmp-dir " +
		"/dev/shm` keeps the heartbeat in memory.",
	Severity: lint.Info,
	Fixable:  true,
	Practice: []string{"P51"},
	Bad:      "FROM python:3.12-slim\nCOPY . /app\nWORKDIR /app\nCMD [\"gunicorn\", \"--bind\", \"0.0.0.0:8000\", \"app.wsgi\"]\n",
	Good:     "FROM python:3.12-slim\nCOPY . /app\nWORKDIR /app\nCMD [\"gunicorn\", \"--worker-tmp-dir\", \"/dev/shm\", \"--bind\", \"0.0.0.0:8000\", \"app.wsgi\"]\n",
	Check: func(p *lint.Pass) {
		if rtGunicornConfigured(p) {
			return
		}
		runs := rtFinalRuns(p)
		for i, r := range runs {
			for _, c := range r.Commands {
				name, w, args := rtProgram(c)
				if name != "gunicorn" {
					continue
				}
				// `ENTRYPOINT ["gunicorn"]` takes its arguments from an exec-form CMD.
				if i == 0 && len(runs) > 1 && !r.Shell && r.In.Name == "entrypoint" && runs[1].In.JSON && len(runs[1].Script.Commands) > 0 {
					first := runs[1].Script.Commands[0]
					args = append(append(append([]shell.Word{}, args...), first.Prog), first.Args...)
				}
				if rtGunicornArgsSettle(args) {
					continue
				}
				f := p.ReportWord(w, "`gunicorn` starts without `--worker-tmp-dir`: its workers' heartbeat files go to "+
					"/tmp on the container's overlay filesystem, where a stalled write makes the arbiter kill healthy "+
					"workers (WORKER TIMEOUT) under I/O load; add `--worker-tmp-dir /dev/shm` to keep them in memory")
				f.Fix = rtInsertArgs(p, r, w, "--worker-tmp-dir", "/dev/shm")
			}
		}
	},
}

// rtGunicornArgsSettle reports whether the arguments set the worker temp dir,
// name a config file (which may set it), or hand over options we cannot see.
func rtGunicornArgsSettle(args []shell.Word) bool {
	for _, a := range args {
		v := a.Value
		switch {
		case v == "--worker-tmp-dir" || strings.HasPrefix(v, "--worker-tmp-dir="),
			v == "-c" || strings.HasPrefix(v, "-c=") || v == "--config" || strings.HasPrefix(v, "--config="),
			strings.HasPrefix(v, "-c") && !strings.HasPrefix(v, "--") && len(v) > 2:
			return true
		case !a.Literal && rtOptionsVariable(v):
			return true
		}
	}
	return false
}

// rtOptionsVariable reports whether an expansion likely carries command-line
// options: "$@", $GUNICORN_ARGS, ${EXTRA_OPTS}, ….
func rtOptionsVariable(v string) bool {
	if !strings.HasPrefix(v, "$") {
		return false
	}
	name := strings.ToUpper(strings.Trim(v, "${}\""))
	if name == "@" || name == "*" {
		return true
	}
	for _, s := range []string{"ARG", "OPT", "FLAG", "PARAM", "CMD"} {
		if strings.Contains(name, s) {
			return true
		}
	}
	return false
}

// rtGunicornConfigured reports whether the image configures gunicorn out of
// sight of the command line: GUNICORN_CMD_ARGS with the option or a config
// file, or a gunicorn config file copied or written in.
func rtGunicornConfigured(p *lint.Pass) bool {
	if v, ok := rtFinalEnv(p.File).Get("GUNICORN_CMD_ARGS"); ok {
		if strings.Contains(v, "--worker-tmp-dir") || strings.Contains(v, "-c ") || strings.Contains(v, "--config") {
			return true
		}
	}
	isConf := func(v string) bool {
		b := strings.ToLower(path.Base(v))
		return strings.HasPrefix(b, "gunicorn") && (strings.HasSuffix(b, ".py") || strings.HasSuffix(b, ".conf"))
	}
	for _, in := range rtShipping(p.File) {
		switch in.Name {
		case "copy", "add":
			for _, w := range in.Words {
				if isConf(w) {
					return true
				}
			}
			for _, h := range in.Heredocs {
				if isConf(h.Name) {
					return true
				}
			}
		case "run":
			s := p.Script(in)
			if s == nil {
				continue
			}
			for _, c := range s.Commands {
				for _, a := range c.Args {
					if isConf(a.Value) {
						return true
					}
				}
			}
		}
	}
	return false
}

// rtInsertArgs builds a fix that adds arguments right after word w of a CMD or
// ENTRYPOINT: as JSON strings in exec form, as shell words otherwise (inside a
// `sh -c` string too). It returns nil when w's place is not exactly known.
func rtInsertArgs(p *lint.Pass, r *rtRun, w shell.Word, args ...string) *lint.Fix {
	end := dockerfile.Pos(w.End)
	line := p.File.Line(end.Line)
	if end.Col < 2 || end.Col-1 > len(line) {
		return nil
	}
	text := " " + strings.Join(args, " ")
	if r.In.JSON {
		if line[end.Col-2] == '"' && !rtInsideShellString(r, w) {
			text = ", \"" + strings.Join(args, "\", \"") + "\""
		} else if !rtInsideShellString(r, w) {
			return nil
		}
	} else if !w.Literal || dockerfile.Pos(w.Pos).Line != end.Line || !strings.HasSuffix(line[:end.Col-1], path.Base(w.Value)) {
		return nil
	}
	return &lint.Fix{
		Description: "add " + strings.Join(args, " "),
		Edits:       []lint.Edit{{Line: end.Line, Column: end.Col, EndLine: end.Line, EndColumn: end.Col, New: text}},
	}
}

// rtInsideShellString reports whether w belongs to the script of an exec-form `sh -c`.
func rtInsideShellString(r *rtRun, w shell.Word) bool {
	if !r.Shell {
		return false
	}
	for _, c := range r.Commands {
		if c.Prog.Pos == w.Pos {
			return true
		}
		for _, a := range c.Args {
			if a.Pos == w.Pos {
				return true
			}
		}
	}
	return false
}
