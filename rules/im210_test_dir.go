package rules

import (
	"fmt"
	"strings"

	"github.com/shipshape-dev/shipshape/layers"
	"github.com/shipshape-dev/shipshape/lint"
)

// TestDirInImage: P21.
var TestDirInImage = &lint.Rule{
	Code:  "IM210",
	Name:  "test-dir-in-image",
	Title: "Keep tests and test data out of the image",
	Rationale: "`COPY . .` copies the project's tests and their fixtures, which the running application never " +
		"loads and which can be far bigger than the code. Exclude them in .dockerignore, or copy only what " +
		"runs (`COPY app/ /app/app/`); run the tests in a stage of their own if the build should run them. " +
		"Directories named test, tests, __tests__, testdata, spec or specs that a COPY or ADD brought in are " +
		"reported; those inside installed dependencies (node_modules, vendor, site-packages) are not.",
	Severity: lint.Warning,
	Practice: []string{"P21", "P32"},
	Scope:    lint.ScopeImage,
	Bad:      "FROM python:3.12-slim\nWORKDIR /app\nCOPY . .\nCMD [\"python\", \"-m\", \"app\"]\n",
	Good:     "FROM python:3.12-slim\nWORKDIR /app\nCOPY app/ ./app/\nCMD [\"python\", \"-m\", \"app\"]\n",
	Check:    checkTestDirInImage,
}

var testDirNames = []string{"test", "tests", "__tests__", "testdata", "spec", "specs"}

func checkTestDirInImage(p *lint.Pass) {
	g := newGroups()
	copied := map[int32]bool{}
	for li := range p.Image.Layers {
		copied[int32(li)] = imFromContext(p, li)
	}
	imEach(p.Image, func(ref layers.Ref, e *layers.Entry, f layers.Fate) {
		if !copied[ref.Layer] || !strings.Contains(e.Path, "test") && !strings.Contains(e.Path, "spec") {
			return
		}
		at, dir := imElem(e.Path, testDirNames...)
		if at < 0 || len(dir) == len(e.Path) {
			return
		}
		if _, dep := imElem(dir, "node_modules", "vendor", "site-packages", "dist-packages", "third_party"); dep != "" {
			return
		}
		g.add(ref, e, f, "/"+dir+"/")
	})
	for _, lg := range g.each(true) {
		var names []string
		for i, x := range lg.paths {
			if i == 3 {
				break
			}
			names = append(names, imIgnoreLine(p, lg.layer, x.Path))
		}
		fix := fmt.Sprintf("add %s to .dockerignore, or copy only what the application runs instead of what %s copies",
			quotedList(names), imStep(p, lg.layer))
		p.ReportLayer(lg.layer, lg.paths, lg.bytes, fix, fmt.Sprintf(
			"%s copies tests and test data into the image: %s (%s); the application never loads them%s. Fix: %s; this %s",
			imAt(p, lg.layer), lg.top(3), plural(lg.files, "file", "files"), lg.stillThere(p), fix, imSaves(p, lg.layer, lg.bytes)))
	}
}
