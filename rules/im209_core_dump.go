package rules

import (
	"encoding/binary"
	"fmt"
	"path"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/shipshape-dev/shipshape/layers"
	"github.com/shipshape-dev/shipshape/lint"
)

// CoreDump: P22.
var CoreDump = &lint.Rule{
	Code:  "IM209",
	Name:  "core-dump-in-image",
	Title: "Never ship a core dump",
	Rationale: "A core file is the memory of a process that crashed during the build, or on a developer's " +
		"machine before `COPY . .` picked it up. It is usually large, useless to the application, and holds " +
		"whatever that process had in memory: environment variables, tokens, keys. Files named `core` or " +
		"`core.<pid>` are confirmed by their ELF header (the first 18 bytes are read).",
	Severity: lint.Warning,
	Practice: []string{"P22", "P49"},
	Scope:    lint.ScopeImage,
	Bad:      "FROM debian:bookworm-slim\nWORKDIR /app\nCOPY . .\n",
	Good:     "FROM debian:bookworm-slim\nWORKDIR /app\n# .dockerignore: core, core.*\nCOPY . .\n",
	Reads: func(*v1.ConfigFile) *lint.Want {
		return &lint.Want{Match: coreCandidate, Head: 18, Read: func(_ *layers.Entry, head []byte) any {
			if isCoreDump(head) {
				return true
			}
			return nil
		}}
	},
	Check: checkCoreDump,
}

// coreCandidate picks files named like a core dump.
func coreCandidate(e *layers.Entry) bool {
	base := path.Base(e.Path)
	if e.Size < 64 || !strings.HasPrefix(base, "core") {
		return false
	}
	if base == "core" {
		return true
	}
	rest, ok := strings.CutPrefix(base, "core.")
	if !ok || rest == "" {
		return false
	}
	for _, r := range rest {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// isCoreDump reads an ELF header's type: ET_CORE.
func isCoreDump(head []byte) bool {
	if len(head) < 18 || string(head[:4]) != "\x7fELF" {
		return false
	}
	var bo binary.ByteOrder = binary.LittleEndian
	if head[5] == 2 {
		bo = binary.BigEndian
	}
	return bo.Uint16(head[16:]) == 4
}

func checkCoreDump(p *lint.Pass) {
	g := newGroups()
	t := p.Image
	for _, f := range p.Facts() {
		g.add(f.Ref, t.Taken.Entry(f.Ref), t.Merged.Fates[f.Ref.Layer][f.Ref.Entry], t.Taken.Entry(f.Ref).Display())
	}
	for _, lg := range g.each(false) {
		fix := fmt.Sprintf("keep it out of the build context: add `%s` (or `**/core` and `**/core.*`) to .dockerignore (%s copies it)",
			imIgnoreLine(p, lg.layer, lg.paths[0].Path), imStep(p, lg.layer))
		if !imFromContext(p, lg.layer) {
			fix = fmt.Sprintf("find out what crashed in %s, and delete the dump in that same step", imStep(p, lg.layer))
		}
		p.ReportLayer(lg.layer, lg.paths, lg.bytes, fix, fmt.Sprintf(
			"%s holds a core dump: %s; it is the memory of a crashed process and may hold secrets it had loaded%s. Fix: %s; this %s",
			imAt(p, lg.layer), lg.top(3), lg.stillThere(p), fix, imSaves(p, lg.layer, lg.bytes)))
	}
}
