package layers

import (
	"strconv"
	"strings"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// History is one entry of the config's history, tied to the layer it made.
type History struct {
	Index      int // position in the config's history
	Layer      int // index of the layer it made; -1 for an empty layer (ENV, CMD, …)
	CreatedBy  string
	Comment    string
	Created    time.Time
	EmptyLayer bool
}

// alignHistory ties history entries to layers: entries marked empty_layer
// made none; the others made the layers in order. Layers beyond the history
// (history is optional) get no entry.
func alignHistory(cfg *v1.ConfigFile, ls []*Layer) []History {
	if cfg == nil {
		return nil
	}
	out := make([]History, len(cfg.History))
	next := 0
	for i, h := range cfg.History {
		out[i] = History{Index: i, Layer: -1, CreatedBy: h.CreatedBy, Comment: h.Comment, Created: h.Created.Time, EmptyLayer: h.EmptyLayer}
		if h.EmptyLayer || next >= len(ls) {
			continue
		}
		out[i].Layer = next
		next++
	}
	for i := range out {
		if l := out[i].Layer; l >= 0 {
			ls[l].History = &out[i]
		}
	}
	return out
}

// Boundary says where the base image ends: layers [0, Layers) came from the
// FROM image, the rest from the user's build.
type Boundary struct {
	Layers  int    // how many layers belong to the base
	History int    // how many history entries belong to the base
	Method  string // how it was found, in words users read
}

// BaseBoundary finds where the base image ends from the history alone. A
// base image's history ends with the metadata instructions of its own
// Dockerfile (CMD or ENTRYPOINT, which make no layer), so the base ends
// after the last such entry that still has layers above it. Without one,
// a gap of more than a day between two entries marks where an older base
// meets a newer build. Otherwise no base is known and every layer counts as
// the user's.
func (im *Image) BaseBoundary() Boundary {
	h := im.History
	last := -1
	for i, e := range h {
		if e.EmptyLayer && isEndOfImage(e.CreatedBy) && layersAfter(h, i) {
			last = i
		}
	}
	if last >= 0 {
		return Boundary{Layers: layersBefore(h, last+1), History: last + 1, Method: "history: the base image's " + InstructionOf(h[last].CreatedBy) + " (history entry " + itoa(last) + ") ends it"}
	}
	gap, at := time.Duration(0), -1
	for i := 1; i < len(h); i++ {
		if h[i-1].Created.IsZero() || h[i].Created.IsZero() {
			continue
		}
		if d := h[i].Created.Sub(h[i-1].Created); d > gap {
			gap, at = d, i
		}
	}
	if at > 0 && gap > 24*time.Hour && layersAfter(h, at-1) && layersBefore(h, at) > 0 {
		return Boundary{Layers: layersBefore(h, at), History: at, Method: "history: a gap of " + roundDays(gap) + " between entries " + itoa(at-1) + " and " + itoa(at)}
	}
	return Boundary{Method: "none found in the history: every layer counts as the user's"}
}

// WithBase returns the boundary given by the layers the image shares with its
// base image, compared by diffID from the bottom.
func (im *Image) WithBase(baseDiffIDs []string) Boundary {
	n := 0
	for n < len(baseDiffIDs) && n < len(im.Layers) && im.Layers[n].DiffID == baseDiffIDs[n] {
		n++
	}
	hist := 0
	for i, e := range im.History {
		if e.Layer >= 0 && e.Layer < n {
			hist = i + 1
		}
	}
	return Boundary{Layers: n, History: hist, Method: "--base: " + itoa(n) + " layers shared with the base image"}
}

// KeepLayers is the boundary that puts the first n layers in the base.
func (im *Image) KeepLayers(n int) Boundary {
	if n > len(im.Layers) {
		n = len(im.Layers)
	}
	hist := 0
	for i, e := range im.History {
		if e.Layer >= 0 && e.Layer < n {
			hist = i + 1
		}
	}
	return Boundary{Layers: n, History: hist, Method: "--keep: the first " + itoa(n) + " layers"}
}

func isEndOfImage(createdBy string) bool {
	ins := InstructionOf(createdBy)
	return ins == "CMD" || ins == "ENTRYPOINT"
}

// InstructionOf names the Dockerfile instruction a created_by string records,
// across the spellings of the classic builder ("/bin/sh -c #(nop)  CMD …"),
// BuildKit ("CMD [\"sh\"]") and buildah.
func InstructionOf(createdBy string) string {
	s := strings.TrimSpace(createdBy)
	if i := strings.Index(s, "#(nop)"); i >= 0 {
		s = strings.TrimSpace(s[i+len("#(nop)"):])
	}
	word, _, _ := strings.Cut(s, " ")
	word = strings.ToUpper(strings.TrimSpace(word))
	switch word {
	case "CMD", "ENTRYPOINT", "ENV", "LABEL", "EXPOSE", "USER", "WORKDIR", "VOLUME", "ARG", "COPY", "ADD", "RUN", "SHELL", "STOPSIGNAL", "HEALTHCHECK", "ONBUILD", "MAINTAINER":
		return word
	}
	if strings.HasPrefix(s, "|") || strings.Contains(createdBy, "/bin/sh -c") {
		return "RUN"
	}
	return ""
}

func layersAfter(h []History, i int) bool {
	for _, e := range h[i+1:] {
		if e.Layer >= 0 {
			return true
		}
	}
	return false
}

func layersBefore(h []History, end int) int {
	n := 0
	for _, e := range h[:end] {
		if e.Layer >= 0 {
			n++
		}
	}
	return n
}

func itoa(n int) string { return strconv.Itoa(n) }

func roundDays(d time.Duration) string {
	days := int(d.Hours() / 24)
	if days == 1 {
		return "1 day"
	}
	return itoa(days) + " days"
}
