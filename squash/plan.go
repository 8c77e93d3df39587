package squash

import (
	"fmt"
	"sort"

	"github.com/shipshape-dev/shipshape/layers"
)

// plan is what the new layer holds, decided before any byte is copied:
// which entries of the user's layers it copies, the markers it writes for
// the base, and the hard links it must rewrite.
type plan struct {
	copy []([]bool) // per layer, per entry: the new layer copies it
	// retarget holds hard links written with another target: the path
	// that holds their content in the output.
	retarget map[layers.Ref]string
	// materialise holds content entries whose own path is dead but whose
	// hard links live on: the entry is written, content and all, at the
	// first live link's path, where the stream passes it.
	materialise map[layers.Ref]string
	markers     []marker
	streamBase  []bool // base layers to stream for content in materialise
	links       []layers.Ref
	notes       []string
}

// marker is a whiteout (the path is gone) or an opaque marker (the
// directory's base contents are gone) of the new layer.
type marker struct {
	path   string
	opaque bool
}

// makePlan compares the base's filesystem with the final one below every
// directory both hold.
func (t *tree) makePlan(fin *layers.Merged, opaquePaths map[string]bool) *plan {
	p := &plan{copy: make([][]bool, len(t.im.Layers)), retarget: map[layers.Ref]string{},
		materialise: map[layers.Ref]string{}, streamBase: make([]bool, t.nBase)}
	for i, l := range t.im.Layers {
		if i >= t.nBase {
			p.copy[i] = make([]bool, len(l.Entries))
		}
	}
	t.reconcile(p, t.root, "", opaquePaths)
	t.planLinks(p, fin)
	return p
}

func (t *tree) reconcile(p *plan, n *tnode, dir string, opaquePaths map[string]bool) {
	for _, c := range n.kids {
		cp := join(dir, c.name)
		switch {
		case !c.alive():
			if c.inBase {
				p.markers = append(p.markers, marker{path: cp})
			}
		case !c.inBase:
			t.emitSubtree(p, c)
		case !t.user(c.fin):
			// The final entry is the base's own, or an implicit directory.
			switch {
			case c.fin == layers.NoRef && !t.baseIsDir(c):
				// A user layer wrote below a base non-directory without
				// naming the directory: remove the base's, recreate it implicitly.
				p.markers = append(p.markers, marker{path: cp})
				t.emitKids(p, c)
			case t.finIsDir(c):
				t.reconcile(p, c, cp, opaquePaths)
			}
		default:
			t.emit(p, c)
			switch {
			case !t.finIsDir(c):
				// A non-directory replaces whatever the base had, subtree and all.
			case !t.baseIsDir(c):
				t.emitKids(p, c)
			case opaquePaths[cp] && c.baseHasKids() && !t.subtreeHasBase(c):
				p.markers = append(p.markers, marker{path: cp, opaque: true})
				t.emitKids(p, c)
			default:
				t.reconcile(p, c, cp, opaquePaths)
			}
		}
	}
}

// emitSubtree copies n and everything live below it; none of it is the base's.
func (t *tree) emitSubtree(p *plan, n *tnode) {
	if n.fin != layers.NoRef {
		t.emit(p, n)
	}
	t.emitKids(p, n)
}

func (t *tree) emitKids(p *plan, n *tnode) {
	for _, c := range n.kids {
		if c.alive() {
			t.emitSubtree(p, c)
		}
	}
}

func (t *tree) emit(p *plan, n *tnode) {
	r := n.fin
	if !t.user(r) {
		// Only a broken merge could put a base entry here; say so rather
		// than write a layer that misses it. Verification catches the rest.
		p.notes = append(p.notes, fmt.Sprintf("internal: base entry %s expected from the user's layers", t.im.Entry(r).Display()))
		return
	}
	p.copy[r.Layer][r.Entry] = true
	switch t.im.Entry(r).Kind {
	case layers.Dir:
		n.hoist = true
	case layers.Hardlink:
		p.links = append(p.links, r)
	}
}

// planLinks points every copied hard link at the path that holds its
// content in the output. When that content's own path died, the first
// live link (in stream order) becomes the file and the others link to it.
func (t *tree) planLinks(p *plan, fin *layers.Merged) {
	orphaned := map[layers.Ref][]layers.Ref{}
	for _, k := range p.links {
		r, ok := fin.LinkTargets[k]
		if !ok {
			p.notes = append(p.notes, fmt.Sprintf("hard link %s points at %s, which no layer holds; kept as it is", t.im.Entry(k).Display(), "/"+t.im.Entry(k).Link))
			continue
		}
		target := t.im.Entry(r)
		if n := t.lookup(target.Path); n != nil && n.fin == r && n.alive() {
			p.retarget[k] = target.Path
			continue
		}
		orphaned[r] = append(orphaned[r], k)
	}
	contents := make([]layers.Ref, 0, len(orphaned))
	for r := range orphaned {
		contents = append(contents, r)
	}
	sort.Slice(contents, func(i, j int) bool { return refLess(contents[i], contents[j]) })
	for _, r := range contents {
		ks := orphaned[r]
		sort.Slice(ks, func(i, j int) bool { return refLess(ks[i], ks[j]) })
		first := t.im.Entry(ks[0]).Path
		p.materialise[r] = first
		p.copy[ks[0].Layer][ks[0].Entry] = false
		for _, k := range ks[1:] {
			p.retarget[k] = first
		}
		if int(r.Layer) < t.nBase {
			p.streamBase[r.Layer] = true
		}
	}
}

func refLess(a, b layers.Ref) bool {
	if a.Layer != b.Layer {
		return a.Layer < b.Layer
	}
	return a.Entry < b.Entry
}
