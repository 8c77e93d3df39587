package rules

import (
	"fmt"
	"strings"

	"github.com/shipshape-dev/shipshape/layers"
	"github.com/shipshape-dev/shipshape/lint"
)

// DocsInImage: P17.
var DocsInImage = &lint.Rule{
	Code:  "IM206",
	Name:  "docs-in-image",
	Title: "Consider leaving documentation, man pages and translations out",
	Rationale: "Packages install their documentation (/usr/share/doc), man and info pages and message " +
		"translations (/usr/share/locale) along with the programs. A container has no one reading them, and " +
		"they often add tens of megabytes per install. Debian-based images can keep dpkg from unpacking them " +
		"with a `path-exclude` file in /etc/dpkg/dpkg.cfg.d/ before installing (keep the copyright files if " +
		"you redistribute the image); others can delete them in the RUN that installs. Reported as " +
		"information: removing them is safe for almost every application, but rarely the first thing to do.",
	Severity: lint.Info,
	Practice: []string{"P17"},
	Scope:    lint.ScopeImage,
	Bad:      "FROM debian:bookworm-slim\nRUN apt-get update && apt-get install -y --no-install-recommends python3 \\\n && rm -rf /var/lib/apt/lists/*\n",
	Good: "FROM debian:bookworm-slim\nCOPY <<EOF /etc/dpkg/dpkg.cfg.d/01-nodoc\npath-exclude /usr/share/doc/*\npath-include /usr/share/doc/*/copyright\n" +
		"path-exclude /usr/share/man/*\npath-exclude /usr/share/info/*\npath-exclude /usr/share/locale/*\nEOF\n" +
		"RUN apt-get update && apt-get install -y --no-install-recommends python3 \\\n && rm -rf /var/lib/apt/lists/*\n",
	Check: checkDocsInImage,
}

var docDirs = []string{"usr/share/doc/", "usr/share/man/", "usr/share/info/", "usr/share/locale/", "usr/share/gtk-doc/", "usr/share/help/"}

func checkDocsInImage(p *lint.Pass) {
	g := newGroups()
	imEach(p.Image, func(ref layers.Ref, e *layers.Entry, f layers.Fate) {
		if !strings.HasPrefix(e.Path, "usr/share/") {
			return
		}
		for _, d := range docDirs {
			if strings.HasPrefix(e.Path, d) {
				if d == "usr/share/doc/" && strings.HasSuffix(e.Path, "/copyright") {
					return // licences: keep them when the image is redistributed
				}
				g.add(ref, e, f, "/"+d)
				return
			}
		}
	})
	for _, lg := range g.each(true) {
		fix := fmt.Sprintf("delete them in %s (`rm -rf /usr/share/doc/* /usr/share/man/* /usr/share/locale/*`), or keep dpkg from "+
			"installing them with a `path-exclude` file in /etc/dpkg/dpkg.cfg.d/ before it", imStep(p, lg.layer))
		p.ReportLayer(lg.layer, lg.paths, lg.bytes, fix, fmt.Sprintf(
			"%s adds documentation and translations that no one reads in a container: %s (%s). Fix: %s; this %s",
			imAt(p, lg.layer), lg.top(4), plural(lg.files, "file", "files"), fix, imSaves(p, lg.layer, lg.bytes)))
	}
}
