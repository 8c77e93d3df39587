package report

import (
	"encoding/json"
	"io"
	"net/url"
	"path"
	"strings"
	"unicode/utf16"

	"github.com/shipshape-dev/shipshape/lint"
)

const (
	sarifSchema  = "https://json.schemastore.org/sarif-2.1.0.json"
	sarifRoot    = "%SRCROOT%"
	toolInfoURI  = "https://github.com/shipshape-dev/shipshape"
	fingerprintK = "shipshape/v1" // bump the suffix if the hashed parts ever change
)

type sarifLog struct {
	Schema  string     `json:"$schema"`
	Version string     `json:"version"`
	Runs    []sarifRun `json:"runs"`
}

type sarifRun struct {
	Tool               sarifTool                `json:"tool"`
	OriginalURIBaseIDs map[string]sarifArtifact `json:"originalUriBaseIds"`
	ColumnKind         string                   `json:"columnKind"`
	Results            []sarifResult            `json:"results"`
}

type sarifTool struct {
	Driver sarifDriver `json:"driver"`
}

type sarifDriver struct {
	Name           string      `json:"name"`
	Version        string      `json:"version,omitempty"`
	InformationURI string      `json:"informationUri"`
	Rules          []sarifRule `json:"rules"`
}

type sarifRule struct {
	ID                   string         `json:"id"`
	Name                 string         `json:"name"`
	ShortDescription     sarifText      `json:"shortDescription"`
	FullDescription      sarifText      `json:"fullDescription"`
	HelpURI              string         `json:"helpUri"`
	Help                 sarifText      `json:"help"`
	DefaultConfiguration sarifRuleConf  `json:"defaultConfiguration"`
	Properties           sarifRuleProps `json:"properties"`
}

type sarifRuleConf struct {
	Level   string `json:"level"`
	Enabled bool   `json:"enabled"`
}

type sarifRuleProps struct {
	Tags    []string `json:"tags"`
	Aliases []string `json:"aliases"`
}

type sarifText struct {
	Text     string `json:"text"`
	Markdown string `json:"markdown,omitempty"`
}

type sarifResult struct {
	RuleID              string            `json:"ruleId"`
	RuleIndex           *int              `json:"ruleIndex,omitempty"` // absent, not 0, for a rule outside the table
	Level               string            `json:"level"`
	Message             sarifText         `json:"message"`
	Locations           []sarifLocation   `json:"locations"`
	PartialFingerprints map[string]string `json:"partialFingerprints"`
	Fixes               []sarifFix        `json:"fixes,omitempty"`
	Properties          *sarifResultProps `json:"properties,omitempty"`
}

// sarifResultProps carries what a build-context finding adds: the bytes at
// stake and the .dockerignore line to add.
type sarifResultProps struct {
	Bytes      int64  `json:"bytes,omitempty"`
	Suggestion string `json:"suggestion,omitempty"`
}

type sarifLocation struct {
	PhysicalLocation sarifPhysical `json:"physicalLocation"`
}

type sarifPhysical struct {
	ArtifactLocation sarifArtifact `json:"artifactLocation"`
	Region           *sarifRegion  `json:"region,omitempty"` // absent for a finding about a whole path
}

type sarifArtifact struct {
	URI         string     `json:"uri,omitempty"`
	URIBaseID   string     `json:"uriBaseId,omitempty"`
	Description *sarifText `json:"description,omitempty"`
}

type sarifRegion struct {
	StartLine   int `json:"startLine"`
	StartColumn int `json:"startColumn"`
	EndLine     int `json:"endLine"`
	EndColumn   int `json:"endColumn"`
}

type sarifFix struct {
	Description     sarifText             `json:"description"`
	ArtifactChanges []sarifArtifactChange `json:"artifactChanges"`
}

type sarifArtifactChange struct {
	ArtifactLocation sarifArtifact      `json:"artifactLocation"`
	Replacements     []sarifReplacement `json:"replacements"`
}

type sarifReplacement struct {
	DeletedRegion   sarifRegion `json:"deletedRegion"`
	InsertedContent sarifText   `json:"insertedContent"`
}

func writeSARIF(w io.Writer, r *Report, _ Options) error {
	run := sarifRun{
		Tool: sarifTool{Driver: sarifDriver{
			Name: r.Tool, Version: r.Version, InformationURI: toolInfoURI, Rules: []sarifRule{},
		}},
		OriginalURIBaseIDs: map[string]sarifArtifact{
			sarifRoot: {Description: &sarifText{Text: "The directory shipshape was run in; file names are relative to it."}},
		},
		// SARIF's default column unit; regions are converted from byte columns.
		ColumnKind: "utf16CodeUnits",
		Results:    []sarifResult{},
	}
	index := map[string]int{}
	for i, rule := range r.Rules {
		index[rule.Code] = i
		run.Tool.Driver.Rules = append(run.Tool.Driver.Rules, toSARIFRule(rule))
	}
	for _, f := range r.Findings {
		res := toSARIFResult(f, r.Sources[f.File])
		if i, ok := index[f.Code]; ok {
			res.RuleIndex = &i
		}
		run.Results = append(run.Results, res)
	}
	log := sarifLog{Schema: sarifSchema, Version: "2.1.0", Runs: []sarifRun{run}}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(log)
}

func toSARIFRule(r *lint.Rule) sarifRule {
	text := r.Rationale
	md := r.Rationale
	lang, tag := "dockerfile", "dockerfile"
	if r.Scope == lint.ScopeContext {
		lang, tag = "text", "build-context" // examples are context trees in txtar
	}
	for _, ex := range []struct{ label, src string }{{"Bad", r.Bad}, {"Good", r.Good}} {
		if src := strings.TrimRight(ex.src, "\n"); src != "" {
			text += "\n\n" + ex.label + ":\n" + src
			md += "\n\n" + ex.label + ":\n\n```" + lang + "\n" + src + "\n```"
		}
	}
	tags := append([]string{tag}, r.Practice...)
	return sarifRule{
		ID: r.Code, Name: r.Name,
		ShortDescription:     sarifText{Text: r.Title},
		FullDescription:      sarifText{Text: r.Rationale},
		HelpURI:              r.DocURL(),
		Help:                 sarifText{Text: text, Markdown: md},
		DefaultConfiguration: sarifRuleConf{Level: sarifLevel(r.Severity), Enabled: !r.Disabled},
		Properties:           sarifRuleProps{Tags: tags, Aliases: append([]string{}, r.Aliases...)},
	}
}

func toSARIFResult(f lint.Finding, lines []string) sarifResult {
	loc := artifact(f.File)
	var reg *sarifRegion
	if f.Line > 0 {
		r := region(lines, f.Line, f.Column, f.EndLine, f.EndColumn)
		reg = &r
	}
	res := sarifResult{
		RuleID:    f.Code,
		Level:     sarifLevel(f.Severity),
		Message:   sarifText{Text: f.Message},
		Locations: []sarifLocation{{sarifPhysical{loc, reg}}},
		// Lines move as a file is edited; code, file and message identify
		// the same problem across commits, which is what code scanning tracks.
		PartialFingerprints: map[string]string{fingerprintK: fingerprint(f.Code, slashPath(f.File), f.Message)},
	}
	if f.Line == 0 {
		// a finding about a path quotes its size, which changes with every
		// build: the path alone identifies it
		res.PartialFingerprints[fingerprintK] = fingerprint(f.Code, slashPath(f.File))
	}
	if f.Bytes != 0 || f.Suggestion != "" {
		res.Properties = &sarifResultProps{Bytes: f.Bytes, Suggestion: f.Suggestion}
	}
	if f.Fix != nil {
		change := sarifArtifactChange{ArtifactLocation: loc, Replacements: []sarifReplacement{}}
		for _, e := range f.Fix.Edits {
			change.Replacements = append(change.Replacements, sarifReplacement{
				DeletedRegion:   region(lines, e.Line, e.Column, e.EndLine, e.EndColumn),
				InsertedContent: sarifText{Text: e.New},
			})
		}
		res.Fixes = []sarifFix{{Description: sarifText{Text: f.Fix.Description}, ArtifactChanges: []sarifArtifactChange{change}}}
	}
	return res
}

func sarifLevel(s lint.Severity) string {
	switch s {
	case lint.Error:
		return "error"
	case lint.Warning:
		return "warning"
	}
	return "note"
}

// artifact names a file relative to %SRCROOT%, escaped into a valid URI
// reference ("<stdin>" would not be one). An absolute name cannot be made
// relative without knowing the root, so it becomes a file URI instead.
func artifact(name string) sarifArtifact {
	p := slashPath(name)
	if path.IsAbs(p) {
		return sarifArtifact{URI: (&url.URL{Scheme: "file", Path: p}).String()}
	}
	if first, _, _ := strings.Cut(p, "/"); strings.Contains(first, ":") {
		p = "./" + p // "c:x" would read as a URI scheme
	}
	return sarifArtifact{URI: (&url.URL{Path: p}).EscapedPath(), URIBaseID: sarifRoot}
}

// region converts 1-based byte columns to UTF-16 columns when the source line
// is known; without it, byte columns are the best estimate (exact for ASCII).
func region(lines []string, line, col, endLine, endCol int) sarifRegion {
	line = max(line, 1)
	endLine = max(endLine, line)
	return sarifRegion{
		StartLine: line, StartColumn: utf16Column(lines, line, col),
		EndLine: endLine, EndColumn: utf16Column(lines, endLine, endCol),
	}
}

func utf16Column(lines []string, line, col int) int {
	col = max(col, 1)
	if line < 1 || line > len(lines) {
		return col
	}
	src := lines[line-1]
	if col-1 > len(src) {
		return col
	}
	n := 1
	for _, r := range src[:col-1] {
		n += utf16.RuneLen(r)
	}
	return n
}
