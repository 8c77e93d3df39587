package buildctx

// The cache-invalidation map: which build steps a change to a context file
// rebuilds. BuildKit keys the cache of a COPY or ADD on the contents of the
// files it copies and the cache of every other step on the state it starts
// from, so a change under a COPY's sources rebuilds the COPY and everything
// that builds on its result: the rest of its stage, the stages built FROM that
// stage, and the stages that copy or mount from one of those, from that step on.
//
// The map is computed over a neutral description of the build (BuildStage and
// Step) so that this package does not depend on the Dockerfile parser; the lint
// package turns a parsed Dockerfile into it.

// BuildStage is one stage of a build, reduced to what decides its cache.
type BuildStage struct {
	Name  string `json:"name,omitempty"`
	Base  int    `json:"base"` // index of the earlier stage FROM names, or -1 for an image
	Steps []Step `json:"steps"`
}

// Step is one instruction of a stage.
type Step struct {
	Line int    `json:"line"`        // where it starts in the Dockerfile
	Name string `json:"instruction"` // lower-case instruction name: "run", "copy", …
	Text string `json:"text"`        // the instruction as written, shortened, for people
	// Sources are the context paths the step reads (COPY/ADD sources, RUN bind
	// mounts of the context), as written; nil when it reads none or none this
	// map can follow (URLs, heredocs, unexpanded variables).
	Sources []string `json:"sources,omitempty"`
	Exclude []string `json:"exclude,omitempty"` // --exclude patterns
	// Reads are the earlier stages the step copies or mounts from.
	Reads []int `json:"reads,omitempty"`
}

// StepRef names one step of the build.
type StepRef struct {
	Stage int    `json:"stage"`
	Step  int    `json:"step"` // index in the stage's Steps
	Line  int    `json:"line"`
	Name  string `json:"instruction"`
	Text  string `json:"text"`
}

// Invalidation is what a change under one step's context sources rebuilds.
type Invalidation struct {
	Step    StepRef      `json:"step"`
	Sources []Resolution `json:"-"`
	Files   int          `json:"files"` // distinct sent files the step reads
	Bytes   int64        `json:"bytes"`
	// Invalidates lists the later steps whose cache a change to any of those
	// files invalidates, in build order.
	Invalidates []StepRef `json:"invalidates"`
}

// Runs returns the RUN steps among Invalidates: the ones that cost time.
func (inv Invalidation) Runs() []StepRef {
	var out []StepRef
	for _, s := range inv.Invalidates {
		if s.Name == "run" {
			out = append(out, s)
		}
	}
	return out
}

// Invalidations maps every step that reads the context to the steps a change
// under what it reads rebuilds. r may be nil: the files are then not counted.
func Invalidations(r *Resolver, stages []BuildStage) []Invalidation {
	var out []Invalidation
	for si, st := range stages {
		for i, step := range st.Steps {
			if len(step.Sources) == 0 {
				continue
			}
			inv := Invalidation{Step: ref(stages, si, i), Invalidates: Affected(stages, si, i+1)}
			if r != nil {
				seen := map[string]bool{}
				for _, src := range step.Sources {
					res := r.Resolve(src, step.Exclude...)
					inv.Sources = append(inv.Sources, res)
					for _, c := range res.Copies {
						if !seen[c.Path] {
							seen[c.Path] = true
							inv.Files++
							inv.Bytes += c.Size
						}
					}
				}
			}
			out = append(out, inv)
		}
	}
	return out
}

// Affected lists the steps rebuilt when the state of stage s changes right
// before its step `from`: the rest of s, every stage built FROM it, and every
// stage reading from one of those from the reading step on, in build order.
// Stages only refer to earlier ones, so one pass in order settles it.
func Affected(stages []BuildStage, s, from int) []StepRef {
	if s < 0 || s >= len(stages) {
		return nil
	}
	first := make([]int, len(stages)) // first rebuilt step per stage; -1 for none
	for i := range first {
		first[i] = -1
	}
	changed := make([]bool, len(stages)) // the stage's result differs
	first[s], changed[s] = from, true
	for t := s + 1; t < len(stages); t++ {
		if b := stages[t].Base; b >= 0 && b < t && changed[b] {
			first[t], changed[t] = 0, true
			continue
		}
		for i, step := range stages[t].Steps {
			if readsChanged(step, changed) {
				first[t], changed[t] = i, true
				break
			}
		}
	}
	var out []StepRef
	for t := s; t < len(stages); t++ {
		if first[t] < 0 {
			continue
		}
		for i := first[t]; i < len(stages[t].Steps); i++ {
			out = append(out, ref(stages, t, i))
		}
	}
	return out
}

func readsChanged(step Step, changed []bool) bool {
	for _, r := range step.Reads {
		if r >= 0 && r < len(changed) && changed[r] {
			return true
		}
	}
	return false
}

func ref(stages []BuildStage, s, i int) StepRef {
	st := stages[s].Steps[i]
	return StepRef{Stage: s, Step: i, Line: st.Line, Name: st.Name, Text: st.Text}
}
