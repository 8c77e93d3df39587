package layers

import (
	"fmt"
	"sort"
	"strings"
)

// How says what made an entry dead.
type How uint8

// Ways an entry leaves the final filesystem.
const (
	Alive       How = iota
	Overwritten     // a later entry at the same path replaced it
	Deleted         // a whiteout removed it or a directory above it
	Hidden          // an opaque marker on a directory above it hid it
	Replaced        // a directory above it was replaced by a non-directory
	Duplicate       // the same layer wrote the path again
)

var howNames = [...]string{"alive", "overwritten", "deleted", "hidden by an opaque directory", "replaced by a non-directory", "written twice in one layer"}

func (h How) String() string { return howNames[h] }

// Ref points at one entry of one layer.
type Ref struct {
	Layer, Entry int32
}

// NoRef is the zero reference: no entry (an implicit directory, say).
var NoRef = Ref{-1, -1}

// Fate is what became of one entry in the final filesystem.
type Fate struct {
	How How
	By  Ref // the entry that killed it (a whiteout, an opaque marker, the overwriting entry)
}

// Merged is the final filesystem of an image plus the fate of every entry of
// every layer.
type Merged struct {
	img   *Image
	root  *node
	Fates [][]Fate // per layer, per entry
	// LinkTargets maps a hard link entry to the entry holding its content.
	LinkTargets map[Ref]Ref
	// Orphans are whiteouts of paths no lower layer had.
	Orphans []Ref
}

type node struct {
	name     string
	children map[string]*node
	ref      Ref
}

func (n *node) child(name string, create bool) *node {
	c := n.children[name]
	if c == nil && create {
		if n.children == nil {
			n.children = map[string]*node{}
		}
		c = &node{name: name, ref: NoRef}
		n.children[name] = c
	}
	return c
}

// Entry returns the entry r points at.
func (im *Image) Entry(r Ref) *Entry {
	return &im.Layers[r.Layer].Entries[r.Entry]
}

// Merge applies the layers in order, as the OCI image spec defines: a layer's
// whiteouts and opaque markers act on the layers below it, then its entries
// are added; a non-directory replacing a directory takes the directory's
// contents with it.
func (im *Image) Merge() *Merged {
	m := &Merged{img: im, root: &node{ref: NoRef}, Fates: make([][]Fate, len(im.Layers)), LinkTargets: map[Ref]Ref{}}
	for li, l := range im.Layers {
		m.Fates[li] = make([]Fate, len(l.Entries))
		for ei := range l.Entries {
			e := &l.Entries[ei]
			by := Ref{int32(li), int32(ei)}
			switch {
			case e.Whiteout:
				parentNode := m.lookup(parent(e.Path))
				var target *node
				if parentNode != nil {
					target = parentNode.children[base(e.Path)]
				}
				if target == nil {
					m.Orphans = append(m.Orphans, by)
					continue
				}
				m.kill(target, Deleted, by, true)
				delete(parentNode.children, target.name)
			case e.Opaque:
				if d := m.lookup(e.Path); d != nil {
					for _, c := range d.children {
						m.kill(c, Hidden, by, true)
					}
					d.children = nil
				}
			}
		}
		for ei := range l.Entries {
			e := &l.Entries[ei]
			if e.IsMarker() {
				continue
			}
			by := Ref{int32(li), int32(ei)}
			n := m.walkTo(e.Path)
			if n.ref != NoRef {
				how := Overwritten
				if n.ref.Layer == int32(li) {
					how = Duplicate
				}
				m.Fates[n.ref.Layer][n.ref.Entry] = Fate{How: how, By: by}
			}
			if e.Kind != Dir && len(n.children) > 0 {
				for _, c := range n.children {
					m.kill(c, Replaced, by, true)
				}
				n.children = nil
			}
			n.ref = by
			if e.Kind == Hardlink {
				if t := m.lookup(e.Link); t != nil && t.ref != NoRef {
					target := t.ref
					if tt, ok := m.LinkTargets[target]; ok {
						target = tt // a link to a link shares the first one's content
					}
					m.LinkTargets[by] = target
				}
			}
		}
	}
	return m
}

// kill marks n's entry and, when deep, everything below it dead.
func (m *Merged) kill(n *node, how How, by Ref, deep bool) {
	if n.ref != NoRef {
		m.Fates[n.ref.Layer][n.ref.Entry] = Fate{How: how, By: by}
	}
	if deep {
		for _, c := range n.children {
			m.kill(c, how, by, true)
		}
	}
}

// lookup finds the node at p without creating anything.
func (m *Merged) lookup(p string) *node {
	n := m.root
	if p == "" {
		return n
	}
	for _, name := range strings.Split(p, "/") {
		if n = n.children[name]; n == nil {
			return nil
		}
	}
	return n
}

// walkTo finds or creates the node at p; parents that no entry named become
// implicit directories, as unpackers create them.
func (m *Merged) walkTo(p string) *node {
	n := m.root
	for _, name := range strings.Split(p, "/") {
		c := n.child(name, true)
		if n.ref != NoRef && m.img.Entry(n.ref).Kind != Dir {
			// a path under a non-directory: the unpacker replaces it with a directory
			m.Fates[n.ref.Layer][n.ref.Entry] = Fate{How: Replaced, By: NoRef}
			n.ref = NoRef
		}
		n = c
	}
	return n
}

// Get returns the entry that holds path p in the final filesystem (nil when
// p does not exist or is an implicit directory).
func (m *Merged) Get(p string) *Entry {
	n := m.lookup(strings.Trim(p, "/"))
	if n == nil || n.ref == NoRef {
		return nil
	}
	return m.img.Entry(n.ref)
}

// Exists reports whether p is in the final filesystem, implicit directories included.
func (m *Merged) Exists(p string) bool { return m.lookup(strings.Trim(p, "/")) != nil }

// Walk visits the final filesystem depth first, parents before children,
// names in byte order. ref is NoRef for implicit directories.
func (m *Merged) Walk(fn func(p string, ref Ref) error) error {
	var walk func(dir string, n *node) error
	walk = func(dir string, n *node) error {
		names := make([]string, 0, len(n.children))
		for name := range n.children {
			names = append(names, name)
		}
		sort.Strings(names)
		for _, name := range names {
			c := n.children[name]
			p := join(dir, name)
			if err := fn(p, c.ref); err != nil {
				return err
			}
			if err := walk(p, c); err != nil {
				return err
			}
		}
		return nil
	}
	return walk("", m.root)
}

// Resolve follows symlinks in p (relative to the image root, never leaving
// it) and returns the final path; it fails on a loop or a dangling link.
func (m *Merged) Resolve(p string) (string, error) {
	const maxHops = 40 // what Linux allows before ELOOP
	hops := 0
	parts := strings.Split(strings.Trim(p, "/"), "/")
	var done []string
	for len(parts) > 0 {
		name := parts[0]
		parts = parts[1:]
		switch name {
		case "", ".":
			continue
		case "..":
			if len(done) > 0 {
				done = done[:len(done)-1]
			}
			continue
		}
		cur := strings.Join(append(done, name), "/")
		n := m.lookup(cur)
		if n == nil {
			return "", fmt.Errorf("%s: /%s does not exist", p, cur)
		}
		if n.ref != NoRef {
			if e := m.img.Entry(n.ref); e.Kind == Symlink {
				hops++
				if hops > maxHops {
					return "", fmt.Errorf("%s: too many levels of symbolic links (a loop?)", p)
				}
				target := strings.Split(e.Link, "/")
				if strings.HasPrefix(e.Link, "/") {
					done = nil
				}
				parts = append(target, parts...)
				continue
			}
		}
		done = append(done, name)
	}
	return strings.Join(done, "/"), nil
}
