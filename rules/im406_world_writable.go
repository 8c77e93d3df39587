package rules

import (
	"fmt"
	"io/fs"
	"strings"

	"github.com/shipshape-dev/shipshape/layers"
	"github.com/shipshape-dev/shipshape/lint"
)

// WorldWritable: P40.
var WorldWritable = &lint.Rule{
	Code:  "IM406",
	Name:  "world-writable-file",
	Title: "No world-writable files or directories outside the temp directories",
	Rationale: "A file every user may write can be changed by any process in the container, whatever user it " +
		"runs as: a compromised helper rewrites the application's code or configuration, or plants a " +
		"program the main process will run. `chmod 777` (or `-R a+w`) to make a directory writable for the " +
		"app user is the usual cause; give the directory to that user instead (`COPY --chown`, `chown` in " +
		"the RUN that creates it). Temp directories with the sticky bit (/tmp, /var/tmp, /dev/shm) and the " +
		"files in them are fine; symbolic links always show 777 and are ignored.",
	Severity: lint.Warning,
	Practice: []string{"P40"},
	Scope:    lint.ScopeImage,
	Bad:      "FROM node:22-slim\nWORKDIR /app\nCOPY . .\nRUN mkdir -p /app/uploads && chmod -R 777 /app\nUSER node\n",
	Good:     "FROM node:22-slim\nWORKDIR /app\nCOPY . .\nRUN install -d -o node -g node -m 750 /app/uploads\nUSER node\n",
	Check:    checkWorldWritable,
}

var tempDirs = []string{"tmp", "var/tmp", "dev/shm", "run/lock", "var/lock", "dev", "proc", "sys"}

func checkWorldWritable(p *lint.Pass) {
	g := newGroups()
	imFinal(p.Image, func(q string, ref layers.Ref, e *layers.Entry) {
		if e.Mode&0o002 == 0 || (e.Kind != layers.Regular && e.Kind != layers.Dir) {
			return
		}
		if e.Kind == layers.Dir && e.Mode&fs.ModeSticky != 0 {
			return // shared like /tmp: users cannot remove each other's files
		}
		for _, d := range tempDirs {
			if strings.HasPrefix(q, d+"/") {
				return // inside a temp directory
			}
		}
		shown := "/" + q
		if e.Kind == layers.Dir {
			shown += "/"
		}
		g.add(ref, e, layers.Fate{}, shown)
	})
	for _, lg := range g.each(false) {
		var names []string
		for i, x := range lg.paths {
			if i == 3 {
				break
			}
			names = append(names, strings.TrimSuffix(x.Path, "/"))
		}
		fix := fmt.Sprintf("remove the write bit for others in %s (`chmod o-w %s`); make what the app writes belong to its user "+
			"instead (`COPY --chown=app`, `install -d -o app`)", imStep(p, lg.layer), strings.Join(names, " "))
		if imFromContext(p, lg.layer) {
			fix = fmt.Sprintf("give %s `--chmod=755` (directories) or `--chmod=644` (files), and `--chown` to the app user where it writes", imStep(p, lg.layer))
		}
		p.ReportLayer(lg.layer, lg.paths, 0, fix, fmt.Sprintf("%s leaves %s writable by every user: %s; any process in the "+
			"container can change them, whatever user it runs as. Fix: %s",
			imAt(p, lg.layer), plural(len(lg.paths), "path", "paths"), lg.names(4), fix))
	}
}
