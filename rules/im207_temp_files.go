package rules

import (
	"fmt"
	"strings"

	"github.com/shipshape-dev/shipshape/layers"
	"github.com/shipshape-dev/shipshape/lint"
)

// TempFiles: P22.
var TempFiles = &lint.Rule{
	Code:  "IM207",
	Name:  "temp-files-in-image",
	Title: "Do not leave files in /tmp and /var/tmp",
	Rationale: "Downloads, unpacked archives and build leftovers in /tmp or /var/tmp are of no use once the " +
		"step that made them is done, yet every pull carries them. Delete them in the same RUN that creates " +
		"them (download, unpack, install, `rm` in one step); a later RUN that deletes them leaves the bytes " +
		"in the earlier layer.",
	Severity: lint.Warning,
	Practice: []string{"P22", "P19"},
	Scope:    lint.ScopeImage,
	Bad:      "FROM debian:bookworm-slim\nADD https://example.com/tool.tar.gz /tmp/\nRUN tar -xzf /tmp/tool.tar.gz -C /opt\n",
	Good:     "FROM debian:bookworm-slim\nRUN curl -fsSLo /tmp/tool.tar.gz https://example.com/tool.tar.gz \\\n && tar -xzf /tmp/tool.tar.gz -C /opt \\\n && rm /tmp/tool.tar.gz\n",
	Check:    checkTempFiles,
}

func checkTempFiles(p *lint.Pass) {
	g := newGroups()
	imEach(p.Image, func(ref layers.Ref, e *layers.Entry, f layers.Fate) {
		var rest, dir string
		switch {
		case strings.HasPrefix(e.Path, "tmp/"):
			rest, dir = e.Path[len("tmp/"):], "tmp/"
		case strings.HasPrefix(e.Path, "var/tmp/"):
			rest, dir = e.Path[len("var/tmp/"):], "var/tmp/"
		default:
			return
		}
		// show each top-level entry of the temp directory
		if i := strings.IndexByte(rest, '/'); i >= 0 {
			g.add(ref, e, f, "/"+dir+rest[:i+1])
			return
		}
		g.add(ref, e, f, "/"+e.Path)
	})
	for _, lg := range g.each(true) {
		fix := fmt.Sprintf("delete them in %s, the step that creates them (e.g. `&& rm -rf /tmp/*`)", imStep(p, lg.layer))
		if imFromContext(p, lg.layer) {
			fix = fmt.Sprintf("do not copy them there: fetch, unpack and delete in one RUN instead of %s", imStep(p, lg.layer))
		}
		p.ReportLayer(lg.layer, lg.paths, lg.bytes, fix, fmt.Sprintf(
			"%s leaves temporary files in the image: %s (%s)%s. Fix: %s; this %s",
			imAt(p, lg.layer), lg.top(3), plural(lg.files, "file", "files"), lg.stillThere(p), fix, imSaves(p, lg.layer, lg.bytes)))
	}
}
