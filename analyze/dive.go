package analyze

import (
	"math"
	"sort"
	"strings"

	"github.com/shipshape-dev/shipshape/layers"
)

// Dive holds the figures wagoodman/dive reports, computed by its definitions
// so that numbers can be compared with dive's on the same image. They have
// known blind spots (a deleted directory is not counted as waste; a file
// deleted counts its earlier copy only), which is why Reclaimable exists.
type Dive struct {
	Efficiency        float64         `json:"efficiency"`
	WastedBytes       int64           `json:"wastedBytes"`
	UserWastedPercent float64         `json:"userWastedPercent"` // a fraction, 0.4835 for 48.35 %
	SizeBytes         int64           `json:"sizeBytes"`
	UserSizeBytes     int64           `json:"userSizeBytes"`
	InefficientFiles  []DiveWasteFile `json:"inefficientFiles"`
}

// DiveWasteFile is one path dive counts as inefficient: seen in two or more layers.
type DiveWasteFile struct {
	Path        string `json:"path"`
	Count       int    `json:"count"`
	WastedBytes int64  `json:"wastedBytes"`
}

// The definitions, as dive documents and implements them:
//   - each layer is a tree built from its tar entries; a layer's size is the
//     sum of its headers' sizes, and every layer but the first is the user's;
//   - the leaves of each layer's tree are visited in name order; a path seen
//     in two or more layers is inefficient, and its waste is the sum of the
//     sizes seen; a whiteout's size is that of the directory tree it deletes
//     from the layers below (zero for a deleted file);
//   - efficiency is the sum over all paths of the smallest size seen divided
//     by the sum of all sizes seen.
//
// dive looks the deleted path up in a tree stacked from the layers below;
// when it is missing, dive stops visiting that layer. Both quirks are kept.

type diveNode struct {
	name     string
	children map[string]*diveNode
	size     int64
	isDir    bool
}

func (n *diveNode) child(name string) *diveNode {
	c := n.children[name]
	if c == nil {
		if n.children == nil {
			n.children = map[string]*diveNode{}
		}
		c = &diveNode{name: name}
		n.children[name] = c
	}
	return c
}

func (n *diveNode) sortedChildren() []*diveNode {
	out := make([]*diveNode, 0, len(n.children))
	for _, c := range n.children {
		out = append(out, c)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].name < out[j].name })
	return out
}

// addPath sets (or creates) the node at the path, creating parents without
// a payload, as dive's tree does.
func (n *diveNode) addPath(parts []string, size int64, isDir bool) {
	cur := n
	for _, p := range parts {
		cur = cur.child(p)
	}
	cur.size, cur.isDir = size, isDir
}

func (n *diveNode) get(parts []string) *diveNode {
	cur := n
	for _, p := range parts {
		if cur = cur.children[p]; cur == nil {
			return nil
		}
	}
	return cur
}

func (n *diveNode) subtreeSize() int64 {
	s := n.size
	for _, c := range n.children {
		s += c.subtreeSize()
	}
	return s
}

func (n *diveNode) copyTree() *diveNode {
	c := &diveNode{name: n.name, size: n.size, isDir: n.isDir}
	for name, ch := range n.children {
		if c.children == nil {
			c.children = make(map[string]*diveNode, len(n.children))
		}
		c.children[name] = ch.copyTree()
	}
	return c
}

// diveTree builds one layer's tree and its size.
func diveTree(l *layers.Layer) (*diveNode, int64) {
	root := &diveNode{}
	var size int64
	for i := range l.Entries {
		e := &l.Entries[i]
		size += e.Size
		switch {
		case e.Opaque:
			// dive drops the marker but creates the directories leading to it
			if e.Path != "" {
				root.addPathKeep(strings.Split(e.Path, "/"))
			}
		case e.Whiteout:
			parts := strings.Split(e.Path, "/")
			parts[len(parts)-1] = ".wh." + parts[len(parts)-1]
			root.addPath(parts, e.Size, false)
		default:
			root.addPath(strings.Split(e.Path, "/"), e.Size, e.Kind == layers.Dir)
		}
	}
	return root, size
}

// addPathKeep creates the nodes of a path without touching existing payloads.
func (n *diveNode) addPathKeep(parts []string) {
	cur := n
	for _, p := range parts {
		cur = cur.child(p)
	}
}

// stack applies upper onto n as dive does: every node of upper, children
// first and in name order; whiteouts remove, everything else sets the
// payload (implicit parents included, which resets it).
func (n *diveNode) stack(upper *diveNode) {
	var visit func(dir []string, u *diveNode)
	visit = func(dir []string, u *diveNode) {
		for _, c := range u.sortedChildren() {
			p := append(append([]string(nil), dir...), c.name)
			visit(p, c)
			if strings.HasPrefix(c.name, ".wh.") {
				p[len(p)-1] = strings.TrimPrefix(c.name, ".wh.")
				if parent := n.get(p[:len(p)-1]); parent != nil {
					delete(parent.children, p[len(p)-1])
				}
				continue
			}
			n.addPath(p, c.size, c.isDir)
		}
	}
	visit(nil, upper)
}

type diveData struct {
	cumulative, min int64
	nodes           int
}

// DiveFigures computes dive's efficiency and waste for an image.
func DiveFigures(im *layers.Image) Dive {
	var out Dive
	for i, l := range im.Layers {
		var size int64
		for j := range l.Entries {
			size += l.Entries[j].Size
		}
		out.SizeBytes += size
		if i > 0 {
			out.UserSizeBytes += size
		}
	}
	data := map[string]*diveData{}
	var inefficient []string
	var stacked *diveNode
	// One layer's tree at a time: it is visited, stacked, then dropped.
	for k, l := range im.Layers {
		t, _ := diveTree(l)
		if k == 0 {
			stacked = t.copyTree()
		}
		visitLeaves(t, nil, func(parts []string, n *diveNode) bool {
			last := parts[len(parts)-1]
			isWhiteout := strings.HasPrefix(last, ".wh.")
			if isWhiteout {
				parts = append(parts[:len(parts)-1:len(parts)-1], strings.TrimPrefix(last, ".wh."))
			}
			p := "/" + strings.Join(parts, "/")
			d := data[p]
			if d == nil {
				d = &diveData{min: -1}
				data[p] = d
			}
			var size int64
			if isWhiteout {
				prev := stacked.get(parts)
				if prev == nil {
					return false // dive gives up on the rest of this layer
				}
				if prev.isDir {
					size = prev.subtreeSize()
				}
			} else {
				size = n.size
			}
			d.cumulative += size
			if d.min < 0 || size < d.min {
				d.min = size
			}
			d.nodes++
			if d.nodes == 2 {
				inefficient = append(inefficient, p)
			}
			return true
		})
		stacked.stack(t)
	}
	var minSum, sum int64
	for _, d := range data {
		minSum += d.min
		sum += d.cumulative
	}
	out.Efficiency = 1
	if sum != 0 {
		out.Efficiency = float64(minSum) / float64(sum)
	}
	out.InefficientFiles = []DiveWasteFile{}
	for _, p := range inefficient {
		d := data[p]
		out.WastedBytes += d.cumulative
		out.InefficientFiles = append(out.InefficientFiles, DiveWasteFile{Path: p, Count: d.nodes, WastedBytes: d.cumulative})
	}
	sort.Slice(out.InefficientFiles, func(i, j int) bool {
		a, b := out.InefficientFiles[i], out.InefficientFiles[j]
		if a.WastedBytes != b.WastedBytes {
			return a.WastedBytes > b.WastedBytes
		}
		return a.Path < b.Path
	})
	if out.UserSizeBytes > 0 {
		out.UserWastedPercent = float64(out.WastedBytes) / float64(out.UserSizeBytes)
	}
	if math.IsNaN(out.UserWastedPercent) {
		out.UserWastedPercent = 0
	}
	return out
}

// visitLeaves calls fn for every leaf of the tree, children first and in
// name order; fn returning false stops the walk.
func visitLeaves(n *diveNode, dir []string, fn func(parts []string, n *diveNode) bool) bool {
	for _, c := range n.sortedChildren() {
		p := append(dir[:len(dir):len(dir)], c.name)
		if len(c.children) > 0 {
			if !visitLeaves(c, p, fn) {
				return false
			}
			continue
		}
		if !fn(p, c) {
			return false
		}
	}
	return true
}
