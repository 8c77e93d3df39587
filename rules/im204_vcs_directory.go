package rules

import (
	"fmt"
	"strings"

	"github.com/shipshape-dev/shipshape/layers"
	"github.com/shipshape-dev/shipshape/lint"
)

// VCSDirectory: P21.
var VCSDirectory = &lint.Rule{
	Code:  "IM204",
	Name:  "vcs-dir-in-image",
	Title: "Keep .git (and .svn, .hg, .bzr) out of the image",
	Rationale: "A version-control directory holds the project's whole history: every file ever committed, " +
		"deleted secrets included, and often more bytes than the checked-out tree. `COPY . .` without a " +
		".dockerignore puts it in a layer, and `RUN rm -rf .git` afterwards only hides it: the bytes, and the " +
		"history, stay in the layer that copied them. Exclude it in .dockerignore; when a RUN clones a " +
		"repository, remove .git in that same RUN or clone in a builder stage.",
	Severity: lint.Warning,
	Practice: []string{"P21", "P30"},
	Scope:    lint.ScopeImage,
	Bad:      "FROM node:22-slim\nWORKDIR /app\nCOPY . .\nRUN rm -rf .git\n",
	Good:     "FROM node:22-slim\nWORKDIR /app\n# .dockerignore: .git\nCOPY . .\n",
	Check:    checkVCSDirectory,
}

var vcsDirs = []string{".git", ".svn", ".hg", ".bzr"}

func checkVCSDirectory(p *lint.Pass) {
	g := newGroups()
	imEach(p.Image, func(ref layers.Ref, e *layers.Entry, f layers.Fate) {
		if e.Path[0] != '.' && !strings.Contains(e.Path, "/.") {
			return
		}
		if at, dir := imElem(e.Path, vcsDirs...); at >= 0 && !imUnder(e.Path, "usr/share", "usr/lib") {
			shown := "/" + dir
			if len(dir) < len(e.Path) {
				shown += "/"
			}
			g.add(ref, e, f, shown)
		}
	})
	for _, lg := range g.each(false) {
		var lines []string
		for i, x := range lg.paths {
			if i == 3 {
				break
			}
			lines = append(lines, imIgnoreLine(p, lg.layer, x.Path))
		}
		fix := fmt.Sprintf("add %s to .dockerignore, so %s does not copy it", quotedList(lines), imStep(p, lg.layer))
		if !imFromContext(p, lg.layer) {
			fix = fmt.Sprintf("remove the repository metadata in %s itself (`git clone --depth 1 … && rm -rf .git`), or clone in a builder stage", imStep(p, lg.layer))
		}
		p.ReportLayer(lg.layer, lg.paths, lg.bytes, fix, fmt.Sprintf(
			"%s puts version-control metadata in the image: %s (%s); it holds the project's whole history, "+
				"whatever was ever committed included%s. Fix: %s; this %s",
			imAt(p, lg.layer), lg.top(3), plural(lg.files, "file", "files"), lg.stillThere(p), fix, imSaves(p, lg.layer, lg.bytes)))
	}
}
