package analyze

import (
	"cmp"
	"slices"
	"strings"

	"github.com/shipshape-dev/shipshape/layers"
)

// DeadPath is a group of bytes the image carries but the final filesystem
// does not hold: one file overwritten, or everything a deletion removed that
// one layer had added.
type DeadPath struct {
	Path      string      `json:"path"` // the file, or the deleted directory
	Bytes     int64       `json:"bytes"`
	Files     int         `json:"files"`
	How       string      `json:"how"` // overwritten, deleted, hidden by an opaque directory, …
	AddedBy   Attribution `json:"addedBy"`
	RemovedBy Attribution `json:"removedBy"`
}

// Attribution names the layer (and the history entry) that did something.
type Attribution struct {
	Layer     int    `json:"layer"`
	CreatedBy string `json:"createdBy"`
	// Line and File name the Dockerfile instruction when a Dockerfile was matched.
	File string `json:"file,omitempty"`
	Line int    `json:"line,omitempty"`
}

// Waste is what the image carries but does not need.
type Waste struct {
	// ReclaimableBytes counts, once each, the bytes of regular files that are
	// in some layer but not in the final filesystem.
	ReclaimableBytes int64 `json:"reclaimableBytes"`
	// ReclaimableCompressedBytes estimates the same in pull terms: each dead
	// file's bytes scaled by its layer's compression ratio.
	ReclaimableCompressedBytes int64 `json:"reclaimableCompressedBytes"`
	UserReclaimableBytes       int64 `json:"userReclaimableBytes"`
	// DeadByLayer[i] is how many of layer i's bytes later layers made dead.
	DeadByLayer []int64    `json:"deadByLayer"`
	DeadPaths   []DeadPath `json:"deadPaths"`
}

// ComputeWaste accounts for every dead byte of the image, attributing each
// to the layer that added it and the one that removed it.
func ComputeWaste(im *layers.Image, m *layers.Merged, base layers.Boundary) Waste {
	w := Waste{DeadByLayer: make([]int64, len(im.Layers)), DeadPaths: []DeadPath{}}
	// A dead file whose content a live hard link still shares is not reclaimable.
	needed := map[layers.Ref]bool{}
	for link, target := range m.LinkTargets {
		if m.Fates[link.Layer][link.Entry].How == layers.Alive {
			needed[target] = true
		}
	}
	type key struct {
		added int
		by    layers.Ref
		path  string
	}
	groups := map[key]*DeadPath{}
	sample := map[key]string{} // one file of the group, shown when it is the only one
	var order []key
	for li, l := range im.Layers {
		ratio := 1.0
		if l.TarSize > 0 && l.CompressedSize > 0 {
			ratio = float64(l.CompressedSize) / float64(l.TarSize)
		}
		added := attribution(im, li)
		for ei := range l.Entries {
			e := &l.Entries[ei]
			f := m.Fates[li][ei]
			if f.How == layers.Alive || e.Kind != layers.Regular || e.IsMarker() || e.Size == 0 {
				continue
			}
			if needed[layers.Ref{Layer: int32(li), Entry: int32(ei)}] {
				continue
			}
			w.ReclaimableBytes += e.Size
			w.ReclaimableCompressedBytes += int64(float64(e.Size)*ratio + 0.5)
			if li >= base.Layers {
				w.UserReclaimableBytes += e.Size
			}
			w.DeadByLayer[li] += e.Size
			k := key{added: li, by: f.By, path: e.Path}
			if f.By != layers.NoRef && (f.How == layers.Deleted || f.How == layers.Hidden || f.How == layers.Replaced) {
				k.path = im.Entry(f.By).Path // group everything one deletion removed
			}
			g := groups[k]
			if g == nil {
				g = &DeadPath{Path: "/" + k.path, How: f.How.String(), AddedBy: added}
				if f.How == layers.Deleted && k.path != e.Path {
					g.Path += "/"
				}
				if f.By != layers.NoRef {
					g.RemovedBy = attribution(im, int(f.By.Layer))
				} else {
					g.RemovedBy = Attribution{Layer: -1}
				}
				groups[k] = g
				sample[k] = e.Path
				order = append(order, k)
			}
			g.Bytes += e.Size
			g.Files++
		}
	}
	sorted := make([]*DeadPath, 0, len(order))
	for _, k := range order {
		g := groups[k]
		if g.Files == 1 && sample[k] != k.path {
			// one file under a deleted directory: name the file, and the directory with the cause
			g.How += " with " + g.Path
			g.Path = "/" + sample[k]
		}
		sorted = append(sorted, g)
	}
	// Sort pointers, not the structs: images with 100,000 dead files exist.
	slices.SortStableFunc(sorted, func(a, b *DeadPath) int {
		if a.Bytes != b.Bytes {
			return cmp.Compare(b.Bytes, a.Bytes)
		}
		return strings.Compare(a.Path, b.Path)
	})
	w.DeadPaths = make([]DeadPath, len(sorted))
	for i, g := range sorted {
		w.DeadPaths[i] = *g
	}
	return w
}

func attribution(im *layers.Image, layer int) Attribution {
	a := Attribution{Layer: layer}
	if h := im.Layers[layer].History; h != nil {
		a.CreatedBy = h.CreatedBy
	}
	return a
}
