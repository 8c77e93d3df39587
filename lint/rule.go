package lint

import (
	"fmt"
	"sort"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// Rule is one check with everything users see about it: the same value feeds
// `shipshape rules`, docs/rules, SARIF and the JSON report.
type Rule struct {
	Code      string   // permanent identifier, e.g. "DF201"
	Name      string   // kebab-case name accepted wherever a code is
	Title     string   // one line: what the rule wants
	Rationale string   // why it matters, in a few sentences
	Severity  Severity // default severity
	Disabled  bool     // off unless enabled in configuration
	Fixable   bool     // shipshape can rewrite the Dockerfile
	Aliases   []string // hadolint codes covering the same ground
	Practice  []string // practice catalogue IDs, e.g. "P10"
	Options   []Option
	// Bad triggers the rule, Good does not: Dockerfiles for a Dockerfile rule,
	// build contexts written as txtar archives for a context rule.
	Bad, Good string
	// Scope is what the rule checks: Lint runs the Dockerfile rules,
	// LintContext the context rules, LintImage the image checks.
	Scope Scope
	// Reads says which file contents an image check needs (lint/image.go);
	// nil for checks that need only the layers' headers and the config.
	Reads func(cfg *v1.ConfigFile) *Want
	Check func(*Pass)
}

// Scope is the kind of target a rule checks.
type Scope int

const (
	// ScopeDockerfile rules check one Dockerfile (the zero value).
	ScopeDockerfile Scope = iota
	// ScopeContext rules check a build context on disk: Pass.Context is set,
	// Pass.File is the context's Dockerfile when it parses, and findings name
	// paths of the context rather than lines.
	ScopeContext
	// ScopeImage rules check a built image (LintImage): Pass.Image is set,
	// Pass.File is the Dockerfile it was built from when one is given, and
	// findings carry Finding.Image.
	ScopeImage
)

func (s Scope) String() string {
	switch s {
	case ScopeContext:
		return "context"
	case ScopeImage:
		return "image"
	}
	return "dockerfile"
}

// Option is a setting of a rule, read from configuration.
type Option struct {
	Name    string
	Doc     string
	Default any // string, bool, int or []string
}

// Finding is one problem at one place.
type Finding struct {
	Code      string   `json:"code"`
	Name      string   `json:"name"`
	Severity  Severity `json:"severity"`
	Message   string   `json:"message"`
	File      string   `json:"file"`
	Line      int      `json:"line"`
	Column    int      `json:"column"`
	EndLine   int      `json:"endLine"`
	EndColumn int      `json:"endColumn"`
	Aliases   []string `json:"aliases"`
	Fix       *Fix     `json:"fix,omitempty"`
	// Bytes is what acting on the finding saves: for a context finding, the
	// bytes sent under its path. Zero when size is not the point.
	Bytes int64 `json:"bytes,omitempty"`
	// Suggestion is the line to add to .dockerignore, exactly as it should be
	// written, for a context finding; for an image finding, the fix in words.
	// Empty when there is none to offer.
	Suggestion string `json:"suggestion,omitempty"`
	// Image places an image check's finding in the image; nil for the
	// findings of Dockerfile and context rules.
	Image *ImageFinding `json:"image,omitempty"`
}

func (f Finding) String() string {
	return fmt.Sprintf("%s:%d:%d: %s %s %s", f.File, f.Line, f.Column, f.Severity, f.Code, f.Message)
}

// Fix is an automatic rewrite of the Dockerfile that resolves a finding.
type Fix struct {
	Description string `json:"description"`
	Edits       []Edit `json:"edits"`
}

// Edit replaces the text between two positions (end exclusive) with New.
type Edit struct {
	Line      int    `json:"line"`
	Column    int    `json:"column"`
	EndLine   int    `json:"endLine"`
	EndColumn int    `json:"endColumn"`
	New       string `json:"new"`
}

// SortFindings orders findings by file, line, column and code.
func SortFindings(fs []Finding) {
	sort.SliceStable(fs, func(i, j int) bool {
		a, b := fs[i], fs[j]
		if a.File != b.File {
			return a.File < b.File
		}
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		if a.Column != b.Column {
			return a.Column < b.Column
		}
		return a.Code < b.Code
	})
}

// Matches reports whether the rule is named by s: its code, its name, one of its
// aliases, or a glob over codes and names such as "DF2*".
func (r *Rule) Matches(s string) bool {
	s = strings.TrimSpace(s)
	if s == "" {
		return false
	}
	if strings.EqualFold(s, r.Code) || s == r.Name {
		return true
	}
	for _, a := range r.Aliases {
		if strings.EqualFold(s, a) {
			return true
		}
	}
	if strings.ContainsAny(s, "*?[") {
		return globMatch(strings.ToUpper(s), r.Code) || globMatch(s, r.Name)
	}
	return false
}

// DocURL is the stable address of the rule's page in the repository docs.
func (r *Rule) DocURL() string {
	return "https://github.com/shipshape-dev/shipshape/blob/main/docs/rules/" + r.Code + ".md"
}
