package report

import (
	"encoding/json"
	"io"

	"github.com/shipshape-dev/shipshape/lint"
)

// The JSON report has its own types rather than marshalling lint.Finding, so a
// change to the library's structs cannot silently change a documented schema
// (docs/json-schema.md, docs/report.schema.json).
type jsonReport struct {
	SchemaVersion int           `json:"schemaVersion"`
	Tool          jsonTool      `json:"tool"`
	Files         int           `json:"files"`
	Findings      []jsonFinding `json:"findings"`
	Summary       jsonSummary   `json:"summary"`
}

type jsonTool struct {
	Name    string `json:"name"`
	Version string `json:"version"`
}

type jsonFinding struct {
	Code      string   `json:"code"`
	Name      string   `json:"name"`
	Severity  string   `json:"severity"`
	Message   string   `json:"message"`
	File      string   `json:"file"`
	Line      int      `json:"line"`
	Column    int      `json:"column"`
	EndLine   int      `json:"endLine"`
	EndColumn int      `json:"endColumn"`
	Aliases   []string `json:"aliases"`
	Fix       *jsonFix `json:"fix,omitempty"`
}

type jsonFix struct {
	Description string     `json:"description"`
	Edits       []jsonEdit `json:"edits"`
}

type jsonEdit struct {
	Line      int    `json:"line"`
	Column    int    `json:"column"`
	EndLine   int    `json:"endLine"`
	EndColumn int    `json:"endColumn"`
	New       string `json:"new"`
}

type jsonSummary struct {
	Error   int `json:"error"`
	Warning int `json:"warning"`
	Info    int `json:"info"`
	Style   int `json:"style"`
}

func writeJSON(w io.Writer, r *Report, _ Options) error {
	c := counts(r.Findings)
	out := jsonReport{
		SchemaVersion: SchemaVersion,
		Tool:          jsonTool{Name: r.Tool, Version: r.Version},
		Files:         r.Files,
		Findings:      []jsonFinding{}, // [] not null: consumers iterate without a nil check
		Summary:       jsonSummary{c[lint.Error], c[lint.Warning], c[lint.Info], c[lint.Style]},
	}
	for _, f := range r.Findings {
		out.Findings = append(out.Findings, toJSONFinding(f))
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false) // the report is not embedded in HTML; keep < and & readable
	return enc.Encode(out)   // Encode ends with the trailing newline
}

func toJSONFinding(f lint.Finding) jsonFinding {
	jf := jsonFinding{
		Code: f.Code, Name: f.Name, Severity: f.Severity.String(), Message: f.Message,
		File: f.File, Line: f.Line, Column: f.Column, EndLine: f.EndLine, EndColumn: f.EndColumn,
		Aliases: append([]string{}, f.Aliases...),
	}
	if f.Fix != nil {
		jf.Fix = &jsonFix{Description: f.Fix.Description, Edits: []jsonEdit{}}
		for _, e := range f.Fix.Edits {
			jf.Fix.Edits = append(jf.Fix.Edits, jsonEdit(e))
		}
	}
	return jf
}
