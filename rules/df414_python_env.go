package rules

import (
	"regexp"
	"strings"

	"github.com/shipshape-dev/shipshape/dockerfile"
	"github.com/shipshape-dev/shipshape/lint"
	"github.com/shipshape-dev/shipshape/shell"
)

// PythonEnv: P52.
var PythonEnv = &lint.Rule{
	Code:  "DF414",
	Name:  "python-env",
	Title: "Set PYTHONUNBUFFERED and PYTHONDONTWRITEBYTECODE for Python apps",
	Rationale: "Without a terminal, Python block-buffers stdout and stderr, so log lines reach `docker logs` late " +
		"and the last ones before a crash are lost; `PYTHONUNBUFFERED=1` writes them at once. " +
		"`PYTHONDONTWRITEBYTECODE=1` stops the app writing .pyc files into the container's writable layer at run time.",
	Severity: lint.Info,
	Fixable:  true,
	Practice: []string{"P52"},
	Bad:      "FROM python:3.12-slim\nWORKDIR /app\nCOPY . .\nCMD [\"python\", \"app.py\"]\n",
	Good:     "FROM python:3.12-slim\nENV PYTHONUNBUFFERED=1 PYTHONDONTWRITEBYTECODE=1\nWORKDIR /app\nCOPY . .\nCMD [\"python\", \"app.py\"]\n",
	Check: func(p *lint.Pass) {
		final := p.File.FinalStage()
		runs := rtFinalRuns(p)
		if final == nil || len(runs) == 0 || !rtRunsPythonApp(p, runs) {
			return
		}
		env := rtFinalEnv(p.File)
		set := func(k string) bool { v, ok := env.Get(k); return ok && v != "" }
		unbuffered, noBytecode := set("PYTHONUNBUFFERED"), set("PYTHONDONTWRITEBYTECODE")
		for _, r := range runs {
			for _, c := range r.Commands {
				if rtPythonFlag(c, 'u') {
					unbuffered = true
				}
				if rtPythonFlag(c, 'B') {
					noBytecode = true
				}
			}
		}
		var missing, why []string
		if !unbuffered {
			missing = append(missing, "PYTHONUNBUFFERED=1")
			why = append(why, "stdout and stderr are block-buffered without a terminal, so logs reach `docker logs` "+
				"late and the last lines before a crash are lost")
		}
		if !noBytecode {
			missing = append(missing, "PYTHONDONTWRITEBYTECODE=1")
			why = append(why, "Python writes .pyc files for the app's modules into the container's writable layer at run time")
		}
		if len(missing) == 0 {
			return
		}
		line := "ENV " + strings.Join(missing, " ")
		f := p.ReportInstruction(final.From, "this Python image runs its app without "+strings.Join(missing, " and ")+
			": "+strings.Join(why, ", and ")+"; add `"+line+"` after this FROM")
		end := final.From.Range.End
		f.Fix = &lint.Fix{Description: "add " + line, Edits: []lint.Edit{{
			Line: end.Line, Column: end.Col, EndLine: end.Line, EndColumn: end.Col, New: "\n" + line}}}
	},
}

var rtPythonImageRe = regexp.MustCompile(`^python([0-9.]*)(-.*)?$`)

// rtPythonPrograms start Python applications.
var rtPythonPrograms = map[string]bool{
	"gunicorn": true, "uvicorn": true, "hypercorn": true, "daphne": true, "celery": true, "flask": true,
	"streamlit": true, "waitress-serve": true, "django-admin": true, "fastapi": true, "granian": true,
}

func rtIsPythonInterpreter(name string) bool {
	return name == "python" || strings.HasPrefix(name, "python3") || strings.HasPrefix(name, "python2")
}

// rtRunsPythonApp reports whether the final image is Python-based and its
// ENTRYPOINT or CMD starts an application, not a bare interpreter or shell.
func rtRunsPythonApp(p *lint.Pass, runs []*rtRun) bool {
	pythonApp, app := false, false
	for _, r := range runs {
		for _, c := range r.Commands {
			name, _, args := rtProgram(c)
			bare := len(args) == 0 && (rtIsPythonInterpreter(name) || name == "ipython" || rtIsShell(name))
			if !bare && name != "" {
				app = true
			}
			if rtPythonPrograms[name] || strings.HasSuffix(name, ".py") ||
				(rtIsPythonInterpreter(name) && len(args) > 0) {
				pythonApp = true
			}
		}
	}
	if !app {
		return false
	}
	chain := rtChain(p.File)
	if len(chain) > 0 {
		repo := rtRepository(chain[0].Base)
		if rtPythonImageRe.MatchString(repo[strings.LastIndex(repo, "/")+1:]) {
			return true
		}
	}
	if !pythonApp {
		return false
	}
	installed := false
	rtInstalled(p, func(_ *dockerfile.Instruction, m shell.Manager, name string, _ shell.Word) bool {
		switch m {
		case shell.Apt, shell.Apk, shell.Dnf, shell.Zypper:
			installed = rtPythonImageRe.MatchString(name) || name == "py3-pip"
		}
		return installed
	})
	return installed
}

// rtPythonFlag reports whether a python command line sets a one-letter
// interpreter option (-u, -B), alone or grouped, before the script or module.
func rtPythonFlag(c *shell.Command, flag byte) bool {
	if !rtIsPythonInterpreter(c.Name) {
		return false
	}
	for j := 0; j < len(c.Args); j++ {
		v := c.Args[j].Value
		if !strings.HasPrefix(v, "-") || strings.HasPrefix(v, "--") || v == "-" {
			return false
		}
		for i := 1; i < len(v); i++ {
			if v[i] == flag {
				return true
			}
			if v[i] == 'm' || v[i] == 'c' {
				return false // the module or command follows: options end here
			}
			if v[i] == 'W' || v[i] == 'X' {
				if i == len(v)-1 {
					j++ // the value is the next word
				}
				break
			}
		}
	}
	return false
}
