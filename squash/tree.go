package squash

import (
	"sort"
	"strings"

	"github.com/shipshape-dev/shipshape/layers"
)

// tree lays the base image's filesystem and the final one over each other,
// path by path, so that the new layer can be computed as their difference.
type tree struct {
	im     *layers.Image
	nBase  int // layers [0, nBase) are kept as they are
	root   *tnode
	groups []*group
}

// tnode is one path of either filesystem.
type tnode struct {
	name    string
	kids    []*tnode // sorted by name, byte order (as layers.Merged.Walk)
	base    layers.Ref
	fin     layers.Ref
	inBase  bool // the base's filesystem has the path (NoRef: an implicit directory)
	inFin   bool // the final filesystem has it
	removed bool // --remove takes it out of the final filesystem
	group   int16
	hoist   bool // its final entry is a directory of the user's layers that the new layer writes
	emitted bool // the new layer holds its header already
}

func newTree(im *layers.Image, nBase int, base, fin *layers.Merged) *tree {
	t := &tree{im: im, nBase: nBase, root: &tnode{base: layers.NoRef, fin: layers.NoRef, inBase: true, inFin: true, group: -1}}
	_ = fin.Walk(func(p string, ref layers.Ref) error {
		n := t.insert(p)
		n.fin, n.inFin = ref, true
		return nil
	})
	_ = base.Walk(func(p string, ref layers.Ref) error {
		n := t.insert(p)
		n.base, n.inBase = ref, true
		return nil
	})
	return t
}

// insert finds or makes the node at p; its parents exist already, since
// walks visit parents first.
func (t *tree) insert(p string) *tnode {
	n := t.root
	for p != "" {
		var name string
		name, p, _ = strings.Cut(p, "/")
		i := sort.Search(len(n.kids), func(i int) bool { return n.kids[i].name >= name })
		if i < len(n.kids) && n.kids[i].name == name {
			n = n.kids[i]
			continue
		}
		c := &tnode{name: name, base: layers.NoRef, fin: layers.NoRef, group: -1}
		n.kids = append(n.kids, nil)
		copy(n.kids[i+1:], n.kids[i:])
		n.kids[i] = c
		n = c
	}
	return n
}

// lookup finds the node at p, or nil.
func (t *tree) lookup(p string) *tnode {
	n := t.root
	for p != "" && n != nil {
		var name string
		name, p, _ = strings.Cut(p, "/")
		n = n.kid(name)
	}
	return n
}

func (n *tnode) kid(name string) *tnode {
	i := sort.Search(len(n.kids), func(i int) bool { return n.kids[i].name >= name })
	if i < len(n.kids) && n.kids[i].name == name {
		return n.kids[i]
	}
	return nil
}

// alive reports whether the node is in the output's final filesystem.
func (n *tnode) alive() bool { return n.inFin && !n.removed }

func (t *tree) finIsDir(n *tnode) bool {
	return n.fin == layers.NoRef || t.im.Entry(n.fin).Kind == layers.Dir
}

func (t *tree) baseIsDir(n *tnode) bool {
	return n.base == layers.NoRef || t.im.Entry(n.base).Kind == layers.Dir
}

func (t *tree) user(r layers.Ref) bool { return r != layers.NoRef && int(r.Layer) >= t.nBase }

// subtreeHasBase reports whether any live node below n keeps an entry of
// the base layers.
func (t *tree) subtreeHasBase(n *tnode) bool {
	for _, c := range n.kids {
		if !c.alive() {
			continue
		}
		if c.fin != layers.NoRef && !t.user(c.fin) {
			return true
		}
		if t.subtreeHasBase(c) {
			return true
		}
	}
	return false
}

// baseHasKids reports whether the base's filesystem has anything below n.
func (n *tnode) baseHasKids() bool {
	for _, c := range n.kids {
		if c.inBase {
			return true
		}
	}
	return false
}

func join(dir, name string) string {
	if dir == "" {
		return name
	}
	return dir + "/" + name
}

func parentOf(p string) string {
	if i := strings.LastIndexByte(p, '/'); i >= 0 {
		return p[:i]
	}
	return ""
}

func baseOf(p string) string {
	if i := strings.LastIndexByte(p, '/'); i >= 0 {
		return p[i+1:]
	}
	return p
}

// treeLess orders paths as the walks visit them: element by element, a
// parent before its children, names in byte order.
func treeLess(a, b string) bool {
	for {
		ea, ra, moreA := strings.Cut(a, "/")
		eb, rb, moreB := strings.Cut(b, "/")
		if ea != eb {
			return ea < eb
		}
		if !moreA || !moreB {
			return !moreA && moreB
		}
		a, b = ra, rb
	}
}
