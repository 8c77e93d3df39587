package rules

import (
	"fmt"
	"path"
	"sort"
	"strings"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"

	"github.com/shipshape-dev/shipshape/buildctx"
	"github.com/shipshape-dev/shipshape/layers"
	"github.com/shipshape-dev/shipshape/lint"
)

// Helpers shared by the image checks (IMnnn): walking the layers' files with
// their fates, grouping flagged files into the paths a finding shows, and
// naming layers and Dockerfile lines in messages.

// imEach calls fn for every regular file of every layer (markers,
// directories and links left out), in layer order, with what became of it.
func imEach(t *lint.ImageTarget, fn func(ref layers.Ref, e *layers.Entry, f layers.Fate)) {
	if t.Taken == nil {
		return
	}
	for li, l := range t.Taken.Layers {
		fates := t.Merged.Fates[li]
		for ei := range l.Entries {
			e := &l.Entries[ei]
			if e.Kind != layers.Regular || e.IsMarker() {
				continue
			}
			fn(layers.Ref{Layer: int32(li), Entry: int32(ei)}, e, fates[ei])
		}
	}
}

// imFinal calls fn for every entry of the final filesystem, in path order.
func imFinal(t *lint.ImageTarget, fn func(p string, ref layers.Ref, e *layers.Entry)) {
	for _, f := range t.Final() {
		fn(f.Path, f.Ref, t.Taken.Entry(f.Ref))
	}
}

// imRef finds the entry that holds path q (relative) in the final filesystem.
func imRef(t *lint.ImageTarget, q string) (layers.Ref, bool) {
	if t.Taken == nil {
		return layers.NoRef, false
	}
	for li := len(t.Taken.Layers) - 1; li >= 0; li-- {
		es := t.Taken.Layers[li].Entries
		for ei := range es {
			if es[ei].Path == q && !es[ei].IsMarker() && t.Merged.Fates[li][ei].How == layers.Alive {
				return layers.Ref{Layer: int32(li), Entry: int32(ei)}, true
			}
		}
	}
	return layers.NoRef, false
}

// imGroups collects the files a check flags, per layer and per path shown (a
// directory stands for the files below it).
type imGroups struct {
	byLayer map[int]map[string]*imGroup
}

type imGroup struct {
	lint.ImagePath
	alive     int
	removedBy int
	deleted   bool // some were deleted, not only written again
}

func newGroups() *imGroups { return &imGroups{byLayer: map[int]map[string]*imGroup{}} }

// add counts file e of ref under the path shown.
func (g *imGroups) add(ref layers.Ref, e *layers.Entry, f layers.Fate, shown string) {
	li := int(ref.Layer)
	m := g.byLayer[li]
	if m == nil {
		m = map[string]*imGroup{}
		g.byLayer[li] = m
	}
	x := m[shown]
	if x == nil {
		x = &imGroup{ImagePath: lint.ImagePath{Path: shown}, removedBy: -1}
		m[shown] = x
	}
	x.Bytes += e.Size
	x.Files++
	if f.How == layers.Alive {
		x.alive++
		return
	}
	x.deleted = x.deleted || f.How != layers.Overwritten && f.How != layers.Duplicate
	if x.removedBy < 0 && f.By != layers.NoRef {
		x.removedBy = int(f.By.Layer)
	}
}

// imLayerGroup is what one layer holds of the flagged files.
type imLayerGroup struct {
	layer        int
	paths        []lint.ImagePath
	bytes        int64
	files, alive int
	removedBy    int  // a layer that deleted or rewrote some of them; -1 when none did
	deleted      bool // some were deleted, not only written again
}

// each returns the layers' groups in layer order; paths with no bytes are
// left out when skipEmpty is set, and layers left with nothing are skipped.
func (g *imGroups) each(skipEmpty bool) []imLayerGroup {
	var out []imLayerGroup
	for li, m := range g.byLayer {
		lg := imLayerGroup{layer: li, removedBy: -1}
		for _, x := range m {
			if skipEmpty && x.Bytes == 0 {
				continue
			}
			p := x.ImagePath
			if x.alive == 0 && x.removedBy >= 0 {
				by := x.removedBy
				p.RemovedBy = &by
			}
			if x.removedBy >= 0 && (lg.removedBy < 0 || x.removedBy < lg.removedBy) {
				lg.removedBy = x.removedBy
			}
			lg.deleted = lg.deleted || x.deleted
			lg.paths = append(lg.paths, p)
			lg.bytes += x.Bytes
			lg.files += x.Files
			lg.alive += x.alive
		}
		if len(lg.paths) > 0 {
			sort.Slice(lg.paths, func(i, j int) bool {
				a, b := lg.paths[i], lg.paths[j]
				if a.Bytes != b.Bytes {
					return a.Bytes > b.Bytes
				}
				return a.Path < b.Path
			})
			out = append(out, lg)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].layer < out[j].layer })
	return out
}

// top names the biggest paths of a group for a message: "/a/ (1.2 MiB), /b (3 KiB)".
func (lg imLayerGroup) top(n int) string {
	ps := lg.paths // most bytes first (each sorts them)
	var parts []string
	for i, x := range ps {
		if i == n {
			parts = append(parts, fmt.Sprintf("%d more", len(ps)-n))
			break
		}
		parts = append(parts, fmt.Sprintf("`%s` (%s)", x.Path, buildctx.HumanBytes(x.Bytes)))
	}
	return strings.Join(parts, ", ")
}

// names lists the first n paths of a group, quoted: "`/a`, `/b`, 3 more".
func (lg imLayerGroup) names(n int) string {
	var parts []string
	for i, x := range lg.paths {
		if i == n {
			parts = append(parts, fmt.Sprintf("%d more", len(lg.paths)-n))
			break
		}
		parts = append(parts, "`"+x.Path+"`")
	}
	return strings.Join(parts, ", ")
}

// stillThere says, for files a later layer deleted, that the bytes stay in
// the layer that added them.
func (lg imLayerGroup) stillThere(p *lint.Pass) string {
	switch {
	case lg.removedBy < 0:
		return ""
	case !lg.deleted:
		return fmt.Sprintf("; %s writes them again, so the image holds them twice: these copies stay in layer %d",
			imAt(p, lg.removedBy), lg.layer)
	case lg.alive == 0:
		return fmt.Sprintf("; %s deletes them, but deleting in a later layer does not shrink the image: the bytes stay in layer %d",
			imAt(p, lg.removedBy), lg.layer)
	}
	return fmt.Sprintf("; %s deletes some of them, but the bytes stay in layer %d", imAt(p, lg.removedBy), lg.layer)
}

// imCommand is a history entry as the user wrote the instruction: builders'
// shell prefixes dropped, whitespace squeezed, cut to 60 characters.
func imCommand(createdBy string) string {
	s := strings.Join(strings.Fields(createdBy), " ")
	switch {
	case strings.Contains(s, "#(nop) "):
		s = strings.TrimSpace(s[strings.Index(s, "#(nop) ")+len("#(nop) "):])
	case strings.HasPrefix(s, "|"):
		if i := strings.Index(s, "/bin/sh -c "); i >= 0 {
			s = "RUN " + s[i+len("/bin/sh -c "):]
		}
	case strings.HasPrefix(s, "/bin/sh -c "):
		s = "RUN " + strings.TrimPrefix(s, "/bin/sh -c ")
	}
	s = strings.TrimSuffix(s, " # buildkit")
	if s == "" {
		return "(no history)"
	}
	if r := []rune(s); len(r) > 60 {
		return string(r[:59]) + "…"
	}
	return s
}

// imAt names a layer for a message: "layer 3 `RUN apt-get update` (Dockerfile:4)".
func imAt(p *lint.Pass, layer int) string {
	if layer < 0 || layer >= len(p.Image.Layers) {
		return "a later step"
	}
	s := p.Image.Layers[layer]
	if a := s.Instruction; a != nil && a.Line > 0 {
		// the instruction as the Dockerfile writes it reads better than
		// the builder's record ("COPY dir:6f1a… in /app")
		return fmt.Sprintf("layer %d `%s` (%s:%d)", layer, dockerfileText(p, a.Line, s.CreatedBy), a.File, a.Line)
	}
	return fmt.Sprintf("layer %d `%s`", layer, imCommand(s.CreatedBy))
}

// dockerfileText is the first line of the instruction at line, shortened;
// the history entry when the Dockerfile is not at hand.
func dockerfileText(p *lint.Pass, line int, createdBy string) string {
	if p.File == nil || line < 1 || line > len(p.File.Lines) {
		return imCommand(createdBy)
	}
	s := strings.TrimSpace(p.File.Line(line))
	s = redactSecrets(strings.TrimSpace(strings.TrimSuffix(s, string(p.File.Escape))))
	if r := []rune(s); len(r) > 60 {
		return string(r[:59]) + "…"
	}
	return s
}

// imLine is the Dockerfile line a layer was matched to; 0 when unknown.
func imLine(p *lint.Pass, layer int) int {
	if layer >= 0 && layer < len(p.Image.Layers) {
		if a := p.Image.Layers[layer].Instruction; a != nil {
			return a.Line
		}
	}
	return 0
}

// imKeyword is the instruction that made a layer: RUN, COPY, ADD, or "".
func imKeyword(p *lint.Pass, layer int) string {
	if layer < 0 || layer >= len(p.Image.Layers) {
		return ""
	}
	return layers.InstructionOf(p.Image.Layers[layer].CreatedBy)
}

// imStep names the instruction of a layer for a fix: "the RUN at line 4",
// or "the RUN of layer 3" without a Dockerfile.
func imStep(p *lint.Pass, layer int) string {
	kw := imKeyword(p, layer)
	if kw == "" {
		kw = "step"
	}
	if line := imLine(p, layer); line > 0 {
		return fmt.Sprintf("the %s at line %d", kw, line)
	}
	return fmt.Sprintf("the %s of layer %d", kw, layer)
}

// plural writes a count with its noun: "1 file", "3 files".
func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return thousands(n) + " " + many
}

// humanBytes is buildctx.HumanBytes, shorter to write in messages.
func humanBytes(n int64) string { return buildctx.HumanBytes(n) }

// imSaves writes what a fix saves: "saves 18.1 MiB (about 4.0 MiB in a pull)".
func imSaves(p *lint.Pass, layer int, bytes int64) string {
	s := "saves " + buildctx.HumanBytes(bytes)
	if layer >= 0 && layer < len(p.Image.Layers) {
		l := p.Image.Layers[layer]
		if l.TarSize > 0 && l.CompressedSize > 0 && l.CompressedSize < l.TarSize {
			c := int64(float64(bytes)*float64(l.CompressedSize)/float64(l.TarSize) + 0.5)
			s += " (about " + buildctx.HumanBytes(c) + " in a pull)"
		}
	}
	return s
}

// imElem returns the index in p of the first path element called one of
// names, and the path up to and including it; -1 when there is none.
func imElem(p string, names ...string) (int, string) {
	for start := 0; start <= len(p); {
		end := strings.IndexByte(p[start:], '/')
		if end < 0 {
			end = len(p)
		} else {
			end += start
		}
		elem := p[start:end]
		for _, n := range names {
			if elem == n {
				return start, p[:end]
			}
		}
		start = end + 1
	}
	return -1, ""
}

// imUnder reports whether p (relative, "usr/bin/x") is below one of dirs.
func imUnder(p string, dirs ...string) bool {
	for _, d := range dirs {
		if strings.HasPrefix(p, d) && (len(p) == len(d) || p[len(d)] == '/' || strings.HasSuffix(d, "/")) {
			return true
		}
	}
	return false
}

// imSystemDirs hold what the distribution's packages install: checks that
// look for the user's own files leave them out.
var imSystemDirs = []string{"usr/lib", "usr/lib64", "usr/libexec", "usr/share", "usr/include", "usr/src",
	"lib", "lib64", "lib32", "usr/bin", "usr/sbin", "bin", "sbin", "var/lib/dpkg", "var/lib/apt", "var/cache/debconf",
	"etc/ssl/certs", "proc", "sys", "dev"}

// imIgnoreLine is the .dockerignore line that keeps what a COPY or ADD put
// at imgPath out of the build context: the context path when the Dockerfile
// shows which source the COPY copied it from, `**/NAME` otherwise.
func imIgnoreLine(p *lint.Pass, layer int, imgPath string) string {
	imgPath = strings.TrimSuffix(imgPath, "/")
	fallback := "**/" + path.Base(imgPath)
	line := imLine(p, layer)
	if p.File == nil || line == 0 {
		return fallback
	}
	for _, in := range p.File.Instructions {
		if in.Range.Start.Line != line {
			continue
		}
		var dest string
		switch c := in.Command.(type) {
		case *instructions.CopyCommand:
			dest = c.DestPath
		case *instructions.AddCommand:
			dest = c.DestPath
		}
		srcs, _ := lint.ContextSources(in)
		if len(srcs) != 1 || strings.ContainsAny(srcs[0], "*?[") || !strings.HasPrefix(dest, "/") {
			return fallback
		}
		src := strings.Trim(path.Clean("/"+srcs[0]), "/")
		img, d := strings.Trim(imgPath, "/"), strings.Trim(path.Clean(dest), "/")
		var rel string
		switch {
		case img == d:
			return ignoreLine(src) // a file copied to its own name
		case d == "":
			rel = img
		case strings.HasPrefix(img, d+"/"):
			rel = img[len(d)+1:]
		default:
			return fallback
		}
		switch {
		case src == "":
			return ignoreLine(rel)
		case rel == path.Base(src):
			return ignoreLine(src) // a file copied into a directory
		}
		return ignoreLine(src + "/" + rel)
	}
	return fallback
}

// imTop3 shows a file under its first three path elements ("/usr/lib/gcc/"),
// or as itself when it is no deeper.
func imTop3(p string) string {
	parts := strings.SplitN(p, "/", 4)
	if len(parts) == 4 {
		return "/" + strings.Join(parts[:3], "/") + "/"
	}
	return "/" + p
}

// imFromContext reports whether a layer was made by COPY or ADD: what it
// holds came from the build context (or another stage).
func imFromContext(p *lint.Pass, layer int) bool {
	switch imKeyword(p, layer) {
	case "COPY", "ADD":
		return true
	}
	return false
}
