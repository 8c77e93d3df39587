package report

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/shipshape-dev/shipshape/analyze"
	"github.com/shipshape-dev/shipshape/buildctx"
	"github.com/shipshape-dev/shipshape/lint"
)

// InspectSchemaVersion is the version of the `shipshape inspect --format json`
// schema (docs/inspect-schema.md). It changes only when a field changes meaning.
const InspectSchemaVersion = 1

// Inspection is everything one `shipshape inspect` run reports.
type Inspection struct {
	Tool, Version string
	Result        *analyze.Result
	Gates         []analyze.Gate // CI gates, when --ci
	CIPassed      bool
	Files         bool // list every layer's entries (JSON)
	Top           int  // dead paths and inefficient files shown in text

	// Checks says the image checks ran. Findings are all of theirs, the
	// base image's included; the report shows those only with ShowBase.
	// Rules feed SARIF's rule table.
	Checks   bool
	Findings []lint.Finding
	Rules    []*lint.Rule
	ShowBase bool
	// ChecksOnly leaves the analysis out: the report is the findings.
	ChecksOnly bool
}

// InspectFormats lists the formats of WriteInspection: text and json have
// their own layouts, the CI formats carry the image checks' findings.
func InspectFormats() []string {
	return []string{"checkstyle", "github", "gitlab", "json", "sarif", "text"}
}

// WriteInspection renders an inspection in one of InspectFormats.
func WriteInspection(w io.Writer, format string, in *Inspection) error {
	switch format {
	case "text":
		if in.ChecksOnly {
			writeFindingsText(w, in)
			writeGates(w, in) // they decide the exit status too
			return nil
		}
		return writeInspectText(w, in)
	case "json":
		if in.ChecksOnly {
			return writeChecksJSON(w, in)
		}
		return writeInspectJSON(w, in)
	case "checkstyle", "github", "gitlab", "sarif":
		return writeInspectCI(w, format, in)
	}
	return fmt.Errorf("unknown format %q (want one of %s)", format, strings.Join(InspectFormats(), ", "))
}

// checksJSON is the document of --checks-only: the image and the findings.
type checksJSON struct {
	SchemaVersion   int                   `json:"schemaVersion"`
	Tool            jsonTool              `json:"tool"`
	Image           analyze.ImageInfo     `json:"image"`
	Findings        *[]inspectFindingJSON `json:"findings"`
	FindingsSummary *inspectSummaryJSON   `json:"findingsSummary"`
	CI              *inspectCIJSON        `json:"ci,omitempty"`
}

func writeChecksJSON(w io.Writer, in *Inspection) error {
	out := checksJSON{SchemaVersion: InspectSchemaVersion, Tool: jsonTool{Name: in.Tool, Version: in.Version}, Image: in.Result.Image}
	if in.Gates != nil {
		out.CI = &inspectCIJSON{Passed: in.CIPassed, Gates: in.Gates}
	}
	if out.Image.Tags == nil {
		out.Image.Tags = []string{}
	}
	out.Findings, out.FindingsSummary = findingsJSON(in)
	if out.Findings == nil {
		out.Findings, out.FindingsSummary = &[]inspectFindingJSON{}, &inspectSummaryJSON{}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(out)
}

type inspectLayerJSON struct {
	analyze.LayerSummary
	Entries []entryJSON `json:"entries,omitempty"`
}

type entryJSON struct {
	Path     string `json:"path"`
	Type     string `json:"type"`
	Size     int64  `json:"size"`
	Mode     string `json:"mode"`
	UID      int32  `json:"uid"`
	GID      int32  `json:"gid"`
	Link     string `json:"link,omitempty"`
	Whiteout bool   `json:"whiteout,omitempty"`
	Opaque   bool   `json:"opaque,omitempty"`
	Fate     string `json:"fate"`
}

type inspectCIJSON struct {
	Passed bool           `json:"passed"`
	Gates  []analyze.Gate `json:"gates"`
}

func writeInspectJSON(w io.Writer, in *Inspection) error {
	// Field by field, in the order of docs/report.schema.json, so that dead
	// paths and file lists stream instead of being built whole.
	r := in.Result
	image := r.Image
	if image.Tags == nil {
		image.Tags = []string{}
	}
	s := newObjectStream(w)
	s.field("schemaVersion", InspectSchemaVersion)
	s.field("tool", jsonTool{Name: in.Tool, Version: in.Version})
	s.field("image", image)
	s.field("size", r.Size)
	s.field("base", r.Base)
	s.array("layers", len(r.Layers), func(i int) any {
		l := r.Layers[i]
		lj := inspectLayerJSON{LayerSummary: l}
		if in.Files && r.Taken != nil {
			lj.Entries = []entryJSON{}
			for i, e := range r.Taken.Layers[l.Index].Entries {
				ej := entryJSON{Path: e.Display(), Type: e.Kind.String(), Size: e.Size, Mode: e.Mode.String(), UID: e.UID, GID: e.GID, Link: e.Link, Whiteout: e.Whiteout, Opaque: e.Opaque}
				ej.Fate = r.Merged.Fates[l.Index][i].How.String()
				if e.IsMarker() {
					ej.Type, ej.Mode, ej.Fate = "marker", "", "applied"
				}
				lj.Entries = append(lj.Entries, ej)
			}
		}
		return lj
	})
	s.field("diveCompatible", r.Dive)
	s.field("reclaimableBytes", r.Waste.ReclaimableBytes)
	s.field("reclaimableCompressedBytes", r.Waste.ReclaimableCompressedBytes)
	s.field("userReclaimableBytes", r.Waste.UserReclaimableBytes)
	s.deadPaths("deadPaths", r.Waste.DeadPaths)
	s.field("orphanWhiteouts", r.Orphans)
	if in.Gates != nil {
		s.field("ci", inspectCIJSON{Passed: in.CIPassed, Gates: in.Gates})
	}
	if findings, summary := findingsJSON(in); findings != nil {
		s.array("findings", len(*findings), func(i int) any { return (*findings)[i] })
		s.field("findingsSummary", summary)
	}
	return s.close()
}

func writeInspectText(w io.Writer, in *Inspection) error {
	r := in.Result
	top := in.Top
	if top <= 0 {
		top = 10
	}
	p := func(format string, args ...any) { fmt.Fprintf(w, format, args...) }
	p("image:     %s\n", r.Image.Reference)
	if r.Image.Digest != "" {
		p("digest:    %s\n", r.Image.Digest)
	}
	if r.Image.Platform != "" {
		p("platform:  %s\n", r.Image.Platform)
	}
	p("size:      %s in %s (%s as stored); the final filesystem holds %s in %s\n",
		Bytes(r.Size.Bytes), plural(len(r.Layers), "layer", "layers"), Bytes(r.Size.CompressedBytes), Bytes(r.Size.FinalBytes), plural(r.Size.Files, "entry", "entries"))
	p("base:      %s, %s (%s)\n", plural(r.Base.Layers, "layer", "layers"), Bytes(r.Size.BaseBytes), r.Base.Method)
	p("yours:     %s, %s\n", plural(len(r.Layers)-r.Base.Layers, "layer", "layers"), Bytes(r.Size.UserBytes))

	p("\nlayers:\n")
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "  #\tsize\tstored\tfiles\tlater dead\t command\n")
	for _, l := range r.Layers {
		dead := ""
		if l.DeadBytes > 0 {
			dead = Bytes(l.DeadBytes)
		}
		mark := ""
		if l.Base {
			mark = "base "
		}
		fmt.Fprintf(tw, "  %d\t%s\t%s\t%d\t%s\t %s%s\n", l.Index, Bytes(l.Size), Bytes(l.CompressedSize), l.Files, dead, mark, Command(l.CreatedBy, 80))
	}
	tw.Flush()

	wst := r.Waste
	pull := ""
	if r.Size.CompressedBytes < r.Size.TarBytes {
		pull = fmt.Sprintf("; about %s in pull terms", Bytes(wst.ReclaimableCompressedBytes))
	}
	p("\nreclaimable: %s (%d bytes%s) are in layers but not in the final filesystem",
		Bytes(wst.ReclaimableBytes), wst.ReclaimableBytes, pull)
	if wst.ReclaimableBytes > 0 {
		p("; %s of it in your layers", Bytes(wst.UserReclaimableBytes))
	}
	p("\n")
	if len(wst.DeadPaths) > 0 {
		p("top dead paths (delete them in the instruction that creates them, or run shipshape squash):\n")
		for i, d := range wst.DeadPaths {
			if i == top {
				p("  … %d more (see --format json)\n", len(wst.DeadPaths)-top)
				break
			}
			files := ""
			if d.Files > 1 {
				files = fmt.Sprintf(" (%d files)", d.Files)
			}
			p("  %10s  %s%s %s: added by layer %d %s; %s\n", Bytes(d.Bytes), d.Path, files, d.How,
				d.AddedBy.Layer, quoteCmd(d.AddedBy), removedBy(d))
		}
	}
	if len(r.Orphans) > 0 {
		p("whiteouts of paths no lower layer has: %d (harmless, but a sign of a builder bug): %s\n", len(r.Orphans), strings.Join(first(r.Orphans, 3), ", "))
	}

	d := r.Dive
	p("\ndive-compatible: efficiency %.4f %%, wasted %d bytes (%s), user wasted %.2f %%\n",
		d.Efficiency*100, d.WastedBytes, Bytes(d.WastedBytes), d.UserWastedPercent*100)
	if len(d.InefficientFiles) > 0 {
		p("  (dive counts a path seen in two or more layers; it misses deleted directories, which the reclaimable figure includes)\n")
		for i, f := range d.InefficientFiles {
			if i == top {
				p("  … %d more\n", len(d.InefficientFiles)-top)
				break
			}
			p("  %10s  %d copies  %s\n", Bytes(f.WastedBytes), f.Count, f.Path)
		}
	}
	if in.Checks {
		p("\nimage checks (`shipshape rules CODE` explains one):\n")
		writeFindingsText(w, in)
	}
	writeGates(w, in)
	return nil
}

// writeGates writes the --ci verdicts, one line per gate and PASS or FAIL.
func writeGates(w io.Writer, in *Inspection) {
	if in.Gates == nil {
		return
	}
	fmt.Fprint(w, "\n")
	for _, g := range in.Gates {
		fmt.Fprintf(w, "%s  %s: %s\n", g.Status, g.Name, g.Message)
	}
	if in.CIPassed {
		fmt.Fprint(w, "PASS\n")
	} else {
		fmt.Fprint(w, "FAIL\n")
	}
}

func removedBy(d analyze.DeadPath) string {
	if d.RemovedBy.Layer < 0 {
		return "replaced when a later entry needed a directory there"
	}
	return fmt.Sprintf("removed by layer %d %s", d.RemovedBy.Layer, quoteCmd(d.RemovedBy))
}

func quoteCmd(a analyze.Attribution) string {
	s := "`" + Command(a.CreatedBy, 60) + "`"
	if a.Line > 0 {
		s += fmt.Sprintf(" (%s:%d)", a.File, a.Line)
	}
	return s
}

func first(s []string, n int) []string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

// Command shortens a history created_by to what the user wrote: builders'
// shell prefixes dropped, whitespace squeezed, cut to max runes.
func Command(createdBy string, max int) string {
	s := strings.Join(strings.Fields(createdBy), " ")
	if i := strings.Index(s, "#(nop) "); i >= 0 {
		s = strings.TrimSpace(s[i+len("#(nop) "):])
	} else if strings.HasPrefix(s, "|") {
		// BuildKit's "|2 A=1 B=2 /bin/sh -c …" records build args first
		if i := strings.Index(s, "/bin/sh -c "); i >= 0 {
			s = "RUN " + s[i+len("/bin/sh -c "):]
		}
	} else if strings.HasPrefix(s, "/bin/sh -c ") {
		s = "RUN " + strings.TrimPrefix(s, "/bin/sh -c ")
	}
	s = strings.TrimSuffix(s, " # buildkit")
	if s == "" {
		return "(no history)"
	}
	rs := []rune(s)
	if max > 1 && len(rs) > max {
		return string(rs[:max-1]) + "…"
	}
	return s
}

// Bytes prints a size in binary units, exact below 1 KiB: the same
// figures the context report prints.
func Bytes(n int64) string { return buildctx.HumanBytes(n) }
