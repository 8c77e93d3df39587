// Package analyze turns an image taken apart by package layers into the
// facts users act on: sizes per layer, the base/user boundary, dive-compatible
// efficiency and waste, and the bytes that can really be reclaimed, each dead
// byte attributed to the layer that added it and the one that removed it.
package analyze

import (
	"time"

	"github.com/shipshape-dev/shipshape/layers"
)

// Result is the analysis of one image.
type Result struct {
	Image    ImageInfo       `json:"image"`
	Size     Size            `json:"size"`
	Base     BaseInfo        `json:"base"`
	Layers   []LayerSummary  `json:"layers"`
	Dive     Dive            `json:"diveCompatible"`
	Waste    Waste           `json:"waste"`
	Orphans  []string        `json:"orphanWhiteouts"` // whiteouts of paths no lower layer had
	Merged   *layers.Merged  `json:"-"`
	Taken    *layers.Image   `json:"-"`
	Boundary layers.Boundary `json:"-"`
	// HistoryLines maps a history entry (its index in Taken.History) to the
	// Dockerfile line it was matched to, empty layers (USER, CMD, ENV)
	// included; set by MatchDockerfile.
	HistoryLines map[int]int `json:"-"`
}

// ImageInfo identifies the image.
type ImageInfo struct {
	Reference    string   `json:"reference"`
	Source       string   `json:"source"`
	Digest       string   `json:"digest"`
	ConfigDigest string   `json:"configDigest"`
	Platform     string   `json:"platform"`
	Tags         []string `json:"tags"`
}

// Size totals the image.
type Size struct {
	Bytes           int64 `json:"bytes"`           // content bytes: the sum of the layers' regular files
	TarBytes        int64 `json:"tarBytes"`        // uncompressed layer tars
	CompressedBytes int64 `json:"compressedBytes"` // blobs as stored: what a pull downloads when compressed
	FinalBytes      int64 `json:"finalBytes"`      // regular-file bytes of the final filesystem
	Files           int   `json:"files"`           // entries of the final filesystem
	UserBytes       int64 `json:"userBytes"`       // content bytes of the user's layers
	BaseBytes       int64 `json:"baseBytes"`
}

// BaseInfo says which layers came from the base image and how that was decided.
type BaseInfo struct {
	Layers int    `json:"layers"`
	Method string `json:"method"`
}

// LayerSummary is one row of the layer table.
type LayerSummary struct {
	Index          int          `json:"index"`
	Digest         string       `json:"digest"`
	DiffID         string       `json:"diffID"`
	MediaType      string       `json:"mediaType"`
	Size           int64        `json:"size"` // content bytes of its regular files
	TarSize        int64        `json:"tarSize"`
	CompressedSize int64        `json:"compressedSize"`
	Files          int          `json:"files"`
	Whiteouts      int          `json:"whiteouts"`
	CreatedBy      string       `json:"createdBy"`
	Created        time.Time    `json:"created,omitzero"`
	Base           bool         `json:"base"`
	DeadBytes      int64        `json:"deadBytes"` // of its bytes, how many later layers made dead
	Instruction    *Attribution `json:"instruction,omitempty"`
}

// Analyze computes everything for an image read by layers.Read. boundary
// overrides the base boundary found from history when non-nil.
func Analyze(im *layers.Image, boundary *layers.Boundary) *Result {
	b := im.BaseBoundary()
	if boundary != nil {
		b = *boundary
	}
	// dive's figures need only the layers: work them out on another core
	// while the merge and the accounting run.
	dive := make(chan Dive, 1)
	go func() { dive <- DiveFigures(im) }()
	m := im.Merge()
	r := &Result{Merged: m, Taken: im, Boundary: b, Base: BaseInfo{Layers: b.Layers, Method: b.Method}, Orphans: []string{}}
	if src := im.Source; src != nil {
		r.Image = ImageInfo{Reference: src.Reference, Source: src.Source, Digest: src.Digest, ConfigDigest: src.ConfigDigest, Platform: src.Platform, Tags: append([]string{}, src.Tags...)}
	}
	r.Waste = ComputeWaste(im, m, b)
	for i, l := range im.Layers {
		s := LayerSummary{Index: i, Digest: l.Digest, DiffID: l.DiffID, MediaType: l.MediaType, Size: l.ContentSize(), TarSize: l.TarSize, CompressedSize: l.CompressedSize, Files: l.Files(), Base: i < b.Layers, DeadBytes: r.Waste.DeadByLayer[i]}
		for j := range l.Entries {
			if l.Entries[j].Whiteout {
				s.Whiteouts++
			}
		}
		if h := l.History; h != nil {
			s.CreatedBy, s.Created = h.CreatedBy, h.Created
		}
		r.Layers = append(r.Layers, s)
		r.Size.Bytes += s.Size
		r.Size.TarBytes += s.TarSize
		r.Size.CompressedBytes += s.CompressedSize
		if s.Base {
			r.Size.BaseBytes += s.Size
		} else {
			r.Size.UserBytes += s.Size
		}
	}
	_ = m.Walk(func(_ string, ref layers.Ref) error {
		r.Size.Files++
		if ref != layers.NoRef {
			if e := im.Entry(ref); e.Kind == layers.Regular {
				r.Size.FinalBytes += e.Size
			}
		}
		return nil
	})
	for _, o := range m.Orphans {
		r.Orphans = append(r.Orphans, im.Entry(o).Display())
	}
	r.Dive = <-dive
	return r
}
