package report

import (
	"fmt"
	"io"
	"strings"

	"github.com/shipshape-dev/shipshape/lint"
)

// The image checks' findings in `shipshape inspect` reports: a section of
// the text and JSON layouts, or the whole report in the CI formats.

// maxShownPaths is how many paths of a finding the text report lists.
const maxShownPaths = 5

// Shown returns the findings the report shows: the user's own, and the base
// image's too when ShowBase is set.
func (in *Inspection) Shown() []lint.Finding {
	var out []lint.Finding
	for _, f := range in.Findings {
		if in.ShowBase || f.Image == nil || !f.Image.Base {
			out = append(out, f)
		}
	}
	return out
}

// HiddenBase counts the base image's findings the report leaves out.
func (in *Inspection) HiddenBase() int {
	if in.ShowBase {
		return 0
	}
	return len(in.Findings) - len(in.Shown())
}

// writeInspectCI writes the shown findings in one of the CI formats.
func writeInspectCI(w io.Writer, format string, in *Inspection) error {
	r := &Report{Tool: in.Tool, Version: in.Version, Findings: in.Shown(), Rules: in.Rules, Files: 1}
	return Write(w, format, r, Options{})
}

// writeFindingsText writes the findings section: each finding's header and
// message, the layer it is about and its biggest paths; then a summary.
func writeFindingsText(w io.Writer, in *Inspection) {
	p := func(format string, args ...any) { fmt.Fprintf(w, format, args...) }
	shown := in.Shown()
	for _, f := range shown {
		where := fmt.Sprintf("%s:%d:%d:", f.File, f.Line, f.Column)
		if f.Line == 0 {
			where = f.File + ":"
		}
		p("%s %s %s (%s) %s\n", where, f.Severity, f.Code, f.Name, f.Message)
		at := f.Image
		if at == nil {
			p("\n")
			continue
		}
		if at.Layer >= 0 {
			base := ""
			if at.Base {
				base = ", from the base image"
			}
			p("    layer %d %s%s\n", at.Layer, shortID(at.LayerDigest), base)
		}
		for i, x := range at.Paths {
			if i == maxShownPaths {
				p("    … %d more paths (see --format json)\n", len(at.Paths)-maxShownPaths+at.MorePaths)
				break
			}
			size := "-"
			if x.Bytes > 0 || x.Files > 0 {
				size = Bytes(x.Bytes)
			}
			extra := ""
			if x.Files > 1 {
				extra = fmt.Sprintf(" (%d files)", x.Files)
			}
			if x.RemovedBy != nil {
				extra += fmt.Sprintf(", not in the final filesystem since layer %d but still in layer %d", *x.RemovedBy, at.Layer)
			}
			p("    %10s  %s%s\n", size, x.Path, extra)
		}
		if len(at.Paths) <= maxShownPaths && at.MorePaths > 0 {
			p("    … %d more paths\n", at.MorePaths)
		}
		p("\n")
	}
	p("%s\n", findingsSummary(shown, in.HiddenBase()))
}

// findingsSummary is the closing line of the findings section.
func findingsSummary(shown []lint.Finding, hidden int) string {
	s := "image checks: no findings"
	if len(shown) > 0 {
		c := counts(shown)
		var saves int64
		for _, f := range shown {
			saves += f.Bytes
		}
		s = fmt.Sprintf("image checks: %s (%s, %s, %d info, %d style)", plural(len(shown), "finding", "findings"),
			plural(c[lint.Error], "error", "errors"), plural(c[lint.Warning], "warning", "warnings"), c[lint.Info], c[lint.Style])
		if saves > 0 {
			s += fmt.Sprintf("; fixing them saves up to %s", Bytes(saves))
		}
	}
	if hidden > 0 {
		s += fmt.Sprintf("; %s in the base image's layers not shown (--base-findings shows them)", plural(hidden, "finding", "findings"))
	}
	return s
}

func shortID(digest string) string {
	if i := strings.IndexByte(digest, ':'); i >= 0 && len(digest) > i+13 {
		return digest[:i+13]
	}
	return digest
}

// inspectFindingJSON is a finding of the inspect JSON: the item shape of
// `shipshape lint --format json` plus where it is in the image.
type inspectFindingJSON struct {
	jsonFinding // what `shipshape lint --format json` writes, so the item shape cannot drift
	// Bytes shadows the lint item's optional field: image findings always say it.
	Bytes           int64            `json:"bytes"`
	CompressedBytes int64            `json:"compressedBytes"`
	Layer           int              `json:"layer"`
	LayerDigest     string           `json:"layerDigest,omitempty"`
	CreatedBy       string           `json:"createdBy"`
	Base            bool             `json:"base"`
	Paths           []lint.ImagePath `json:"paths"`
	MorePaths       int              `json:"morePaths,omitempty"`
}

type inspectSummaryJSON struct {
	Error      int   `json:"error"`
	Warning    int   `json:"warning"`
	Info       int   `json:"info"`
	Style      int   `json:"style"`
	Bytes      int64 `json:"bytes"`
	HiddenBase int   `json:"hiddenBaseFindings"`
}

func findingsJSON(in *Inspection) (*[]inspectFindingJSON, *inspectSummaryJSON) {
	if !in.Checks {
		return nil, nil
	}
	shown := in.Shown()
	out := []inspectFindingJSON{}
	sum := &inspectSummaryJSON{HiddenBase: in.HiddenBase()}
	c := counts(shown)
	sum.Error, sum.Warning, sum.Info, sum.Style = c[lint.Error], c[lint.Warning], c[lint.Info], c[lint.Style]
	for _, f := range shown {
		j := inspectFindingJSON{jsonFinding: toJSONFinding(f), Bytes: f.Bytes, Layer: -1, Paths: []lint.ImagePath{}}
		if at := f.Image; at != nil {
			j.Layer, j.LayerDigest, j.CreatedBy, j.Base = at.Layer, at.LayerDigest, at.CreatedBy, at.Base
			j.CompressedBytes, j.MorePaths = at.CompressedBytes, at.MorePaths
			j.Paths = append(j.Paths, at.Paths...)
		}
		sum.Bytes += f.Bytes
		out = append(out, j)
	}
	return &out, sum
}
