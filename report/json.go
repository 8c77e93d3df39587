package report

import (
	"bufio"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

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
	// Bytes and Suggestion are written only when set: build-context findings
	// carry them, Dockerfile findings so far do not.
	Bytes      int64  `json:"bytes,omitempty"`
	Suggestion string `json:"suggestion,omitempty"`
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

// writeJSON writes the report by hand, in the layout encoding/json gives with a
// two-space indent: the generic encoder re-scanned the whole document to indent
// it and was an eighth of a `shipshape lint` run over a large tree. The goldens
// and the schema test hold the two to the same bytes.
func writeJSON(w io.Writer, r *Report, _ Options) error {
	c := counts(r.Findings)
	b := bufio.NewWriter(w)
	fmt.Fprintf(b, "{\n  \"schemaVersion\": %d,\n  \"tool\": {\n    \"name\": %s,\n    \"version\": %s\n  },\n  \"files\": %d,\n  \"findings\": ",
		SchemaVersion, jsonString(r.Tool), jsonString(r.Version), r.Files)
	if len(r.Findings) == 0 {
		b.WriteString("[]")
	} else {
		b.WriteString("[\n")
		for i, f := range r.Findings {
			if i > 0 {
				b.WriteString(",\n")
			}
			writeJSONFinding(b, toJSONFinding(f))
		}
		b.WriteString("\n  ]")
	}
	fmt.Fprintf(b, ",\n  \"summary\": {\n    \"error\": %d,\n    \"warning\": %d,\n    \"info\": %d,\n    \"style\": %d\n  }\n}\n",
		c[lint.Error], c[lint.Warning], c[lint.Info], c[lint.Style])
	return b.Flush()
}

func writeJSONFinding(b *bufio.Writer, f jsonFinding) {
	fmt.Fprintf(b, "    {\n      \"code\": %s,\n      \"name\": %s,\n      \"severity\": %s,\n      \"message\": %s,\n      \"file\": %s,\n"+
		"      \"line\": %d,\n      \"column\": %d,\n      \"endLine\": %d,\n      \"endColumn\": %d,\n      \"aliases\": ",
		jsonString(f.Code), jsonString(f.Name), jsonString(f.Severity), jsonString(f.Message), jsonString(f.File),
		f.Line, f.Column, f.EndLine, f.EndColumn)
	if len(f.Aliases) == 0 {
		b.WriteString("[]")
	} else {
		b.WriteString("[\n")
		for i, a := range f.Aliases {
			if i > 0 {
				b.WriteString(",\n")
			}
			b.WriteString("        " + jsonString(a))
		}
		b.WriteString("\n      ]")
	}
	if f.Fix != nil {
		fmt.Fprintf(b, ",\n      \"fix\": {\n        \"description\": %s,\n        \"edits\": ", jsonString(f.Fix.Description))
		if len(f.Fix.Edits) == 0 {
			b.WriteString("[]")
		} else {
			b.WriteString("[\n")
			for i, e := range f.Fix.Edits {
				if i > 0 {
					b.WriteString(",\n")
				}
				fmt.Fprintf(b, "          {\n            \"line\": %d,\n            \"column\": %d,\n            \"endLine\": %d,\n            \"endColumn\": %d,\n            \"new\": %s\n          }",
					e.Line, e.Column, e.EndLine, e.EndColumn, jsonString(e.New))
			}
			b.WriteString("\n        ]")
		}
		b.WriteString("\n      }")
	}
	if f.Bytes != 0 {
		fmt.Fprintf(b, ",\n      \"bytes\": %d", f.Bytes)
	}
	if f.Suggestion != "" {
		fmt.Fprintf(b, ",\n      \"suggestion\": %s", jsonString(f.Suggestion))
	}
	b.WriteString("\n    }")
}

// jsonString quotes s as encoding/json does without HTML escaping: control
// characters escaped, invalid UTF-8 replaced by U+FFFD, U+2028 and U+2029
// escaped for JavaScript.
func jsonString(s string) string {
	var b strings.Builder
	b.Grow(len(s) + 2)
	b.WriteByte('"')
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\':
				b.WriteByte('\\')
				b.WriteByte(c)
			case c == '\n':
				b.WriteString(`\n`)
			case c == '\r':
				b.WriteString(`\r`)
			case c == '\t':
				b.WriteString(`\t`)
			case c == '\b':
				b.WriteString(`\b`)
			case c == '\f':
				b.WriteString(`\f`)
			case c < 0x20:
				fmt.Fprintf(&b, `\u%04x`, c)
			default:
				b.WriteByte(c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b.WriteString(`\ufffd`)
		case r == '\u2028' || r == '\u2029':
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	b.WriteByte('"')
	return b.String()
}

func toJSONFinding(f lint.Finding) jsonFinding {
	jf := jsonFinding{
		Code: f.Code, Name: f.Name, Severity: f.Severity.String(), Message: f.Message,
		File: f.File, Line: f.Line, Column: f.Column, EndLine: f.EndLine, EndColumn: f.EndColumn,
		Aliases: append([]string{}, f.Aliases...), Bytes: f.Bytes, Suggestion: f.Suggestion,
	}
	if f.Fix != nil {
		jf.Fix = &jsonFix{Description: f.Fix.Description, Edits: []jsonEdit{}}
		for _, e := range f.Fix.Edits {
			jf.Fix.Edits = append(jf.Fix.Edits, jsonEdit(e))
		}
	}
	return jf
}
