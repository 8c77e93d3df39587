package squash

import (
	"fmt"
	"strings"

	"github.com/shipshape-dev/shipshape/image"
	"github.com/shipshape-dev/shipshape/layers"
)

// Result is what Squash did.
type Result struct {
	Reference string `json:"reference"` // where the output is, openable by image.Open
	Digest    string `json:"digest"`    // manifest digest of the output
	Config    string `json:"configDigest"`

	Input  Summary `json:"input"`
	Output Summary `json:"output"`
	// Base is how many layers were kept as they are, and how that was decided.
	Base struct {
		Layers int    `json:"layers"`
		Method string `json:"method"`
	} `json:"base"`
	Squashed     int            `json:"squashedLayers"` // layers of the user's merged into one
	NewLayer     *NewLayer      `json:"newLayer,omitempty"`
	Removed      []RemovedGroup `json:"removed"`
	Notes        []string       `json:"notes"`
	Verification *Verification  `json:"verification,omitempty"`
}

// Summary sizes one image.
type Summary struct {
	Layers          int   `json:"layers"`
	TarBytes        int64 `json:"tarBytes"`        // uncompressed layer tars
	CompressedBytes int64 `json:"compressedBytes"` // blobs as stored
	// PullBytes is what a host that already has the base layers downloads:
	// the blobs above the base.
	PullBytes  int64 `json:"pullBytes"`
	FinalBytes int64 `json:"finalBytes"` // regular-file bytes of the final filesystem
	Files      int   `json:"files"`      // entries of the final filesystem
}

// NewLayer describes the squashed layer.
type NewLayer struct {
	Digest      string `json:"digest"`
	DiffID      string `json:"diffID"`
	MediaType   string `json:"mediaType"`
	Size        int64  `json:"size"`
	TarBytes    int64  `json:"tarBytes"`
	Compression string `json:"compression"`
	Level       int    `json:"level"`
	layerStats
	file string // the temporary file holding it until the sink stores it
}

// summarize sizes an image: the input (t nil) or the output.
func summarize(im *layers.Image, fin *layers.Merged, t *tree, nBase, nLayers int) Summary {
	s := Summary{Layers: nLayers}
	for i, l := range im.Layers {
		s.TarBytes += l.TarSize
		s.CompressedBytes += l.CompressedSize
		if i >= nBase {
			s.PullBytes += l.CompressedSize
		}
	}
	count := func(ref layers.Ref) {
		s.Files++
		if ref != layers.NoRef {
			if e := im.Entry(ref); e.Kind == layers.Regular {
				s.FinalBytes += e.Size
			}
		}
	}
	if t == nil {
		_ = fin.Walk(func(_ string, ref layers.Ref) error {
			count(ref)
			return nil
		})
		return s
	}
	it := &treeIter{stack: []iterFrame{{n: t.root}}}
	for _, ref, ok := it.next(); ok; _, ref, ok = it.next() {
		count(ref)
	}
	return s
}

// orphanNotes names the whiteouts of the user's layers that deleted
// nothing: the new layer drops them.
func orphanNotes(im *layers.Image, fin *layers.Merged, nBase int) []string {
	var paths []string
	for _, r := range fin.Orphans {
		if int(r.Layer) >= nBase {
			paths = append(paths, im.Entry(r).Display())
		}
	}
	if len(paths) == 0 {
		return nil
	}
	const show = 5
	s := strings.Join(paths[:min(show, len(paths))], ", ")
	if len(paths) > show {
		s += fmt.Sprintf(" and %d more", len(paths)-show)
	}
	return []string{fmt.Sprintf("dropped %d whiteouts of paths no lower layer had: %s", len(paths), s)}
}

func uncompressedInput(in *image.Image, nBase int) bool {
	for _, l := range in.Layers[nBase:] {
		if strings.HasSuffix(l.MediaType, ".tar") {
			return true
		}
	}
	return false
}

func isOCI(in *image.Image) bool {
	for _, l := range in.Layers {
		if strings.HasPrefix(l.MediaType, "application/vnd.oci.") {
			return true
		}
	}
	return false
}
