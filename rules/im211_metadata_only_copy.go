package rules

import (
	"fmt"
	"sort"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/shipshape-dev/shipshape/layers"
	"github.com/shipshape-dev/shipshape/lint"
)

// MetadataOnlyCopy: P14.
var MetadataOnlyCopy = &lint.Rule{
	Code:  "IM211",
	Name:  "metadata-only-copy",
	Title: "Set mode and owner when files are added, not in a later RUN",
	Rationale: "A layer stores whole files. `RUN chmod -R 755 /app` or `RUN chown -R app /app` after `COPY . /app` " +
		"changes only the files' metadata, yet the new layer holds a full second copy of every file it touched, " +
		"and the first copy stays below it: the image carries those bytes twice. Set the mode and owner where " +
		"the files are added (`COPY --chmod=755`, `COPY --chown=app:app`), or in the RUN that creates them. " +
		"shipshape confirms the duplicates by hashing the files' contents while the layers stream (every " +
		"regular file is hashed once; nothing is kept but the hash).",
	Severity: lint.Warning,
	Practice: []string{"P14", "P13"},
	Scope:    lint.ScopeImage,
	Bad:      "FROM python:3.12-slim\nCOPY . /app\nRUN chmod -R 755 /app && chown -R nobody /app\n",
	Good:     "FROM python:3.12-slim\nCOPY --chmod=755 --chown=nobody . /app\n",
	Reads: func(*v1.ConfigFile) *lint.Want {
		return &lint.Want{Match: func(e *layers.Entry) bool { return e.Size > 0 }, Hash: true}
	},
	Check: checkMetadataOnlyCopy,
}

func checkMetadataOnlyCopy(p *lint.Pass) {
	t := p.Image
	if t.Contents == nil {
		return
	}
	g := newGroups()
	type change struct{ mode, owner bool }
	changes := map[int]*change{}
	origins := map[int]map[int]bool{} // later layer → layers of the first copies
	imEach(t, func(ref layers.Ref, e *layers.Entry, f layers.Fate) {
		if f.How != layers.Overwritten || f.By == layers.NoRef || f.By.Layer == ref.Layer {
			return
		}
		later := t.Taken.Entry(f.By)
		if later.Kind != layers.Regular || later.Size != e.Size {
			return
		}
		if later.Mode == e.Mode && later.UID == e.UID && later.GID == e.GID {
			// rewritten as it was (package managers rewrite their
			// databases): dead bytes, which the analysis reports, but
			// no mode or owner to move into a COPY
			return
		}
		a, ok1 := t.Contents.Hash(ref)
		b, ok2 := t.Contents.Hash(f.By)
		if !ok1 || !ok2 || a != b {
			return
		}
		li := int(f.By.Layer)
		c := changes[li]
		if c == nil {
			c = &change{}
			changes[li] = c
			origins[li] = map[int]bool{}
		}
		c.mode = c.mode || later.Mode != e.Mode
		c.owner = c.owner || later.UID != e.UID || later.GID != e.GID
		origins[li][int(ref.Layer)] = true
		g.add(f.By, later, t.Merged.Fates[f.By.Layer][f.By.Entry], imTop3(later.Path))
	})
	for _, lg := range g.each(true) {
		c := changes[lg.layer]
		var first []int
		for o := range origins[lg.layer] {
			first = append(first, o)
		}
		sort.Ints(first)
		what, flags := "owner", "`--chown=…`"
		switch {
		case c.mode && c.owner:
			what, flags = "mode and owner", "`--chmod=…` and `--chown=…`"
		case c.mode:
			what, flags = "mode", "`--chmod=…`"
		}
		their, copies := "their ", "the first copies stay"
		if lg.files == 1 {
			their, copies = "its ", "the first copy stays"
		}
		what = their + what
		var at []string
		for _, o := range first {
			at = append(at, imAt(p, o))
		}
		fix := ""
		switch {
		case len(first) == 1 && imFromContext(p, first[0]):
			fix = fmt.Sprintf("give %s %s and drop the chmod/chown from %s", imStep(p, first[0]), flags, imStep(p, lg.layer))
		default:
			fix = fmt.Sprintf("set %s in the step that adds the files (%s for COPY, chmod/chown in the RUN that creates them) and drop it from %s",
				what, flags, imStep(p, lg.layer))
		}
		p.ReportLayer(lg.layer, lg.paths, lg.bytes, fix, fmt.Sprintf(
			"%s stores %s again with the same content, changing %s: %s; %s in %s, so the image carries "+
				"these bytes twice. Fix: %s; this %s",
			imAt(p, lg.layer), plural(lg.files, "file", "files"), what, lg.top(3), copies, strings.Join(at, ", "), fix, imSaves(p, lg.layer, lg.bytes)))
	}
}
