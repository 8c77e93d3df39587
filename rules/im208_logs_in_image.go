package rules

import (
	"fmt"
	"path"
	"strings"

	"github.com/shipshape-dev/shipshape/layers"
	"github.com/shipshape-dev/shipshape/lint"
)

// LogsInImage: P22.
var LogsInImage = &lint.Rule{
	Code:  "IM208",
	Name:  "logs-in-image",
	Title: "Leave build logs and package-manager backups out of the image",
	Rationale: "Installing packages writes logs (/var/log/dpkg.log, /var/log/apt/*, alternatives.log, yum and dnf " +
		"logs) and backups of the package database (/var/lib/dpkg/status-old, debconf's *-old); build tools " +
		"and copied checkouts add their own *.log files. None is read at run time, and a log may record " +
		"command lines and paths of the build. Reported as information because they are usually small: " +
		"delete them in the RUN that writes them when size matters.",
	Severity: lint.Info,
	Practice: []string{"P22", "P12"},
	Scope:    lint.ScopeImage,
	Bad:      "FROM debian:bookworm-slim\nRUN apt-get update && apt-get install -y --no-install-recommends curl && rm -rf /var/lib/apt/lists/*\n",
	Good: "FROM debian:bookworm-slim\nRUN apt-get update && apt-get install -y --no-install-recommends curl \\\n && rm -rf /var/lib/apt/lists/* /var/log/apt /var/log/*.log \\\n" +
		"    /var/lib/dpkg/*-old /var/cache/debconf/*-old\n",
	Check: checkLogsInImage,
}

// logShown returns the path a log or backup file is shown under; "" for
// other files.
func logShown(p string) string {
	base := path.Base(p)
	switch {
	case strings.HasPrefix(p, "var/log/"):
		if rest := p[len("var/log/"):]; strings.Contains(rest, "/") {
			return "/var/log/" + rest[:strings.IndexByte(rest, '/')+1]
		}
		return "/" + p
	case strings.HasPrefix(p, "var/lib/dpkg/") && strings.HasSuffix(base, "-old"),
		strings.HasPrefix(p, "var/cache/debconf/") && strings.HasSuffix(base, "-old"):
		return "/" + p
	case strings.HasSuffix(base, ".log") && !imUnder(p, imSystemDirs...):
		return "/" + p
	}
	return ""
}

func checkLogsInImage(p *lint.Pass) {
	g := newGroups()
	imEach(p.Image, func(ref layers.Ref, e *layers.Entry, f layers.Fate) {
		if shown := logShown(e.Path); shown != "" {
			g.add(ref, e, f, shown)
		}
	})
	for _, lg := range g.each(true) {
		var rm []string
		for i, x := range lg.paths {
			if i == 4 {
				rm = append(rm, "…")
				break
			}
			rm = append(rm, strings.TrimSuffix(x.Path, "/"))
		}
		fix := fmt.Sprintf("end %s with `&& rm -rf %s`", imStep(p, lg.layer), strings.Join(rm, " "))
		if imFromContext(p, lg.layer) {
			fix = "add `**/*.log` to .dockerignore"
		}
		p.ReportLayer(lg.layer, lg.paths, lg.bytes, fix, fmt.Sprintf(
			"%s leaves logs or package-database backups in the image: %s; nothing reads them at run time. Fix: %s; this %s",
			imAt(p, lg.layer), lg.top(3), fix, imSaves(p, lg.layer, lg.bytes)))
	}
}
