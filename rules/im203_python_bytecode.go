package rules

import (
	"fmt"
	"path"
	"strings"

	"github.com/shipshape-dev/shipshape/layers"
	"github.com/shipshape-dev/shipshape/lint"
)

// PythonBytecode: P22.
var PythonBytecode = &lint.Rule{
	Code:  "IM203",
	Name:  "python-bytecode",
	Title: "Do not ship the bytecode of your own Python code",
	Rationale: "`__pycache__` directories and `.pyc` files next to the application's sources are a by-product of " +
		"running it: copied from a developer's checkout they are stale (or of another Python version), and " +
		"written by a RUN that imports the app they add a layer's worth of files that Python would write again " +
		"anyway. Installed packages (site-packages, dist-packages, the standard library) are left alone: their " +
		"bytecode is compiled on purpose at install time and saves start-up time.",
	Severity: lint.Info,
	Practice: []string{"P22", "P21"},
	Scope:    lint.ScopeImage,
	Bad:      "FROM python:3.12-slim\nWORKDIR /app\nCOPY . .\nCMD [\"python\", \"-m\", \"app\"]\n",
	Good:     "FROM python:3.12-slim\nENV PYTHONDONTWRITEBYTECODE=1\nWORKDIR /app\n# .dockerignore: **/__pycache__ and **/*.pyc\nCOPY . .\nCMD [\"python\", \"-m\", \"app\"]\n",
	Check:    checkPythonBytecode,
}

// appBytecode returns the path a .pyc of the application is shown under
// (its __pycache__ directory, or the file); "" for other files.
func appBytecode(p string) string {
	if !strings.HasSuffix(p, ".pyc") && !strings.HasSuffix(p, ".pyo") {
		return ""
	}
	if imUnder(p, imSystemDirs...) || strings.Contains(p, "site-packages/") || strings.Contains(p, "dist-packages/") ||
		strings.HasPrefix(p, "usr/local/lib/python") || strings.Contains(p, "/lib/python3") || strings.Contains(p, "/lib/python2") {
		return ""
	}
	if dir := path.Dir(p); path.Base(dir) == "__pycache__" {
		return "/" + dir + "/"
	}
	return "/" + p
}

func checkPythonBytecode(p *lint.Pass) {
	g := newGroups()
	imEach(p.Image, func(ref layers.Ref, e *layers.Entry, f layers.Fate) {
		if shown := appBytecode(e.Path); shown != "" {
			g.add(ref, e, f, shown)
		}
	})
	for _, lg := range g.each(true) {
		fix := fmt.Sprintf("add `**/__pycache__` and `**/*.pyc` to .dockerignore (%s copies them)", imStep(p, lg.layer))
		if !imFromContext(p, lg.layer) {
			fix = fmt.Sprintf("set `ENV PYTHONDONTWRITEBYTECODE=1` before %s", imStep(p, lg.layer))
		}
		p.ReportLayer(lg.layer, lg.paths, lg.bytes, fix, fmt.Sprintf(
			"%s adds Python bytecode of the application: %s in %s; Python writes it again when it needs it%s. Fix: %s; this %s",
			imAt(p, lg.layer), lg.top(3), plural(lg.files, "file", "files"), lg.stillThere(p), fix, imSaves(p, lg.layer, lg.bytes)))
	}
}
