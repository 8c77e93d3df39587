package analyze

import (
	"strings"

	"github.com/shipshape-dev/shipshape/dockerfile"
	"github.com/shipshape-dev/shipshape/layers"
)

// MatchDockerfile ties the user's history entries to the instructions of the
// Dockerfile's final stage (and the stages it is built FROM), and writes the
// file and line into the layer table and the attributions of dead paths.
//
// Builders record one history entry per instruction but spell it their own
// way, and skip some (FROM, often ARG), so entries and instructions are
// aligned like two texts: the best order-preserving pairing of entries with
// instructions of the same kind, scored by how many of the instruction's
// words the entry repeats.
func MatchDockerfile(r *Result, f *dockerfile.File) {
	if r.Taken == nil || len(f.Stages) == 0 {
		return
	}
	var ins []*dockerfile.Instruction
	for s := f.Stages[len(f.Stages)-1]; s != nil; s = s.BaseStage {
		ins = append(append([]*dockerfile.Instruction(nil), s.Instructions...), ins...)
	}
	hist := r.Taken.History[r.Boundary.History:]
	pairs := align(hist, ins)
	lineOf := map[int]int{} // layer index → Dockerfile line
	r.HistoryLines = map[int]int{}
	for hi, ii := range pairs {
		h := hist[hi]
		line := ins[ii].Range.Start.Line
		r.HistoryLines[r.Boundary.History+hi] = line
		if h.Layer < 0 {
			continue
		}
		lineOf[h.Layer] = line
		r.Layers[h.Layer].Instruction = &Attribution{Layer: h.Layer, CreatedBy: h.CreatedBy, File: f.Name, Line: line}
	}
	for i := range r.Waste.DeadPaths {
		d := &r.Waste.DeadPaths[i]
		for _, a := range []*Attribution{&d.AddedBy, &d.RemovedBy} {
			if line, ok := lineOf[a.Layer]; ok {
				a.File, a.Line = f.Name, line
			}
		}
	}
}

// align returns, for history entries that match an instruction, the
// instruction's index, maximising the total match score.
func align(hist []layers.History, ins []*dockerfile.Instruction) map[int]int {
	n, m := len(hist), len(ins)
	score := func(i, j int) float64 {
		kw := layers.InstructionOf(hist[i].CreatedBy)
		if kw == "" || !strings.EqualFold(kw, ins[j].Name) {
			return -1
		}
		words := strings.Fields(ins[j].Args.S)
		if len(words) > 24 {
			words = words[:24]
		}
		if len(words) == 0 {
			return 1
		}
		hit := 0
		for _, w := range words {
			if strings.Contains(hist[i].CreatedBy, strings.Trim(w, `"[],`)) {
				hit++
			}
		}
		return 1 + float64(hit)/float64(len(words))
	}
	// best[i][j]: best total over hist[i:], ins[j:]
	best := make([][]float64, n+1)
	for i := range best {
		best[i] = make([]float64, m+1)
	}
	for i := n - 1; i >= 0; i-- {
		for j := m - 1; j >= 0; j-- {
			b := max(best[i+1][j], best[i][j+1])
			if s := score(i, j); s > 0 && s+best[i+1][j+1] > b {
				b = s + best[i+1][j+1]
			}
			best[i][j] = b
		}
	}
	out := map[int]int{}
	for i, j := 0, 0; i < n && j < m; {
		if s := score(i, j); s > 0 && best[i][j] == s+best[i+1][j+1] {
			out[i] = j
			i++
			j++
		} else if best[i][j] == best[i+1][j] {
			i++
		} else {
			j++
		}
	}
	return out
}
