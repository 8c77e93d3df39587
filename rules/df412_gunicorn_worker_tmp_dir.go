package rules

import (
	"fmt"
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
		"/dev/shm` keeps the heartbeat in memory. With the build context at hand, shipshape also reads the " +
		"config file gunicorn gets from it (the one `-c` names, or gunicorn.conf.py in the working directory): " +
		"`worker_tmp_dir = \"/dev/shm\"` there settles it, and a config file without it is reported at the COPY " +
		"that brings it.",
	Severity: lint.Info,
	Fixable:  true,
	Practice: []string{"P51"},
	Bad:      "FROM python:3.12-slim\nCOPY . /app\nWORKDIR /app\nCMD [\"gunicorn\", \"--bind\", \"0.0.0.0:8000\", \"app.wsgi\"]\n",
	Good:     "FROM python:3.12-slim\nCOPY . /app\nWORKDIR /app\nCMD [\"gunicorn\", \"--worker-tmp-dir\", \"/dev/shm\", \"--bind\", \"0.0.0.0:8000\", \"app.wsgi\"]\n",
	Check: func(p *lint.Pass) {
		if v, ok := rtFinalEnv(p.File).Get("GUNICORN_CMD_ARGS"); ok && strings.Contains(v, "--worker-tmp-dir") {
			return
		}
		configured := rtGunicornConfigured(p)
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
				// With the build context, the config file gunicorn reads is read too.
				if gunicornConfigChecked(p, r.In, w, args) {
					continue
				}
				if configured || rtGunicornArgsSettle(args) {
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

// gunicornConfigChecked reads, when the build context is known, the config
// file a gunicorn command reads (the one -c names, or ./gunicorn.conf.py in its
// working directory) and reports it, at the COPY that brings it, when it does
// not set worker_tmp_dir. It returns true when the config file settled the
// command either way, false when the command line decides.
func gunicornConfigChecked(p *lint.Pass, in *dockerfile.Instruction, w shell.Word, args []shell.Word) bool {
	conf, named := "gunicorn.conf.py", false
	for i, a := range args {
		v := a.Value
		switch {
		case v == "--worker-tmp-dir" || strings.HasPrefix(v, "--worker-tmp-dir="), !a.Literal && rtOptionsVariable(v):
			return false
		case (v == "-c" || v == "--config") && i+1 < len(args):
			conf, named = args[i+1].Value, true
		case strings.HasPrefix(v, "--config="):
			conf, named = strings.TrimPrefix(v, "--config="), true
		case strings.HasPrefix(v, "-c") && !strings.HasPrefix(v, "--") && len(v) > 2:
			conf, named = strings.TrimPrefix(strings.TrimPrefix(v, "-c"), "="), true
		}
	}
	if strings.HasPrefix(conf, "python:") || strings.ContainsAny(conf, "$`") {
		return false
	}
	at := workdirAt(in).resolve(conf)
	if at == "" {
		return false
	}
	r := p.Sources()
	if r == nil {
		return false
	}
	landed, ok := dcFileAt(dcShippedCopies(p, r), at)
	if !ok {
		return false
	}
	data, ok := dcRead(r.Context(), landed.File.File)
	if !ok {
		return named // a config that cannot be read is given the benefit of the doubt
	}
	if gunicornSetsTmpDir(string(data)) {
		return true
	}
	how := "reads it from its working directory"
	if named {
		how = "is started with `-c " + conf + "`"
	}
	reportSource(p, landed.Copy.In, landed.Source, fmt.Sprintf("`%s`, the config file of the `gunicorn` at line %d (which %s), "+
		"does not set `worker_tmp_dir`: the workers' heartbeat files go to /tmp on the container's overlay filesystem, "+
		"where a stalled write makes the arbiter kill healthy workers (WORKER TIMEOUT) under I/O load; "+
		"add `worker_tmp_dir = \"/dev/shm\"` to it", landed.File.Path, dockerfile.Pos(w.Pos).Line, how))
	return true
}

// gunicornSetsTmpDir reports whether a Python config file sets
// worker_tmp_dir, or builds its settings in ways that cannot be followed.
func gunicornSetsTmpDir(src string) bool {
	for _, line := range strings.Split(src, "\n") {
		l := strings.TrimSpace(line)
		if strings.HasPrefix(l, "#") {
			continue
		}
		if rest, ok := strings.CutPrefix(l, "worker_tmp_dir"); ok && strings.HasPrefix(strings.TrimSpace(rest), "=") {
			return true
		}
		if strings.Contains(l, "import *") || strings.Contains(l, "globals()") || strings.Contains(l, "exec(") {
			return true
		}
	}
	return false
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
