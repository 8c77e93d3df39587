package rules

import (
	"fmt"
	"sort"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/shipshape-dev/shipshape/layers"
	"github.com/shipshape-dev/shipshape/lint"
)

// DuplicateContent: P13 (off by default; `shipshape inspect --deep` turns it on).
var DuplicateContent = &lint.Rule{
	Code:  "IM212",
	Name:  "duplicate-content",
	Title: "Store the same content once",
	Rationale: "The same bytes under several paths of the final filesystem — a model copied next to its " +
		"original, vendored libraries bundled twice, a file copied where a link would do — are stored and " +
		"pulled once per copy. Keep one and link the others, or remove the copies. Off by default because " +
		"many duplicates are small and deliberate; `shipshape inspect --deep` turns it on. Content is " +
		"compared by a hash of every file of 1 KiB or more, computed while the layers stream; hard links " +
		"share one copy and are not reported.",
	Severity: lint.Info,
	Disabled: true,
	Practice: []string{"P13"},
	Options: []lint.Option{{Name: "min-bytes", Doc: "report a set of copies only when removing all but one saves at least this many bytes",
		Default: 1 << 20}},
	Scope: lint.ScopeImage,
	Bad:   "FROM python:3.12-slim\nCOPY models/ /srv/models/\nRUN cp /srv/models/base.bin /srv/models/current.bin\n",
	Good:  "FROM python:3.12-slim\nCOPY models/ /srv/models/\nRUN ln -s base.bin /srv/models/current.bin\n",
	Reads: func(*v1.ConfigFile) *lint.Want {
		return &lint.Want{Match: func(e *layers.Entry) bool { return e.Size >= 1024 }, Hash: true}
	},
	Check: checkDuplicateContent,
}

func checkDuplicateContent(p *lint.Pass) {
	t := p.Image
	if t.Contents == nil {
		return
	}
	minBytes := int64(1 << 20)
	switch v := p.Option("min-bytes").(type) {
	case int:
		minBytes = int64(v)
	case int64:
		minBytes = v
	case float64:
		minBytes = int64(v)
	}
	type key struct {
		size int64
		sum  uint64
	}
	copies := map[key][]layers.Ref{}
	var order []key
	imFinal(t, func(_ string, ref layers.Ref, e *layers.Entry) {
		if e.Kind != layers.Regular || e.Size < 1024 {
			return
		}
		sum, ok := t.Contents.Hash(ref)
		if !ok {
			return
		}
		k := key{e.Size, sum}
		if copies[k] == nil {
			order = append(order, k)
		}
		copies[k] = append(copies[k], ref)
	})
	for _, k := range order {
		refs := copies[k]
		saves := int64(len(refs)-1) * k.size
		if len(refs) < 2 || saves < minBytes {
			continue
		}
		// the copy to drop is the one added last
		sort.Slice(refs, func(i, j int) bool {
			if refs[i].Layer != refs[j].Layer {
				return refs[i].Layer < refs[j].Layer
			}
			return t.Taken.Entry(refs[i]).Path < t.Taken.Entry(refs[j]).Path
		})
		var paths []lint.ImagePath
		for _, r := range refs {
			paths = append(paths, lint.ImagePath{Path: t.Taken.Entry(r).Display(), Bytes: k.size, Files: 1})
		}
		last := int(refs[len(refs)-1].Layer)
		fix := fmt.Sprintf("keep `%s` and make the other paths links to it (`ln -s`), or drop the copies in %s",
			paths[0].Path, imStep(p, last))
		p.ReportLayer(last, paths, saves, fix, fmt.Sprintf(
			"%s paths hold the same %s: `%s` and %s; the image stores it %d times. Fix: %s; this %s",
			thousands(len(refs)), humanBytes(k.size), paths[0].Path, listPaths(paths[1:], 3), len(refs), fix, imSaves(p, last, saves)))
	}
}

// listPaths quotes up to n paths and counts the rest.
func listPaths(ps []lint.ImagePath, n int) string {
	var names []string
	for i, x := range ps {
		if i == n {
			return quotedList(names) + fmt.Sprintf(" and %d more", len(ps)-n)
		}
		names = append(names, x.Path)
	}
	return quotedList(names)
}
