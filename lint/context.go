package lint

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/shipshape-dev/shipshape/buildctx"
	"github.com/shipshape-dev/shipshape/dockerfile"
)

// LintContext runs the enabled context rules (Scope ScopeContext) over a
// measured build context; Lint never runs them, and LintContext runs no
// Dockerfile rule. The context's Dockerfile is read and parsed when it
// exists, so that rules can tell what the build needs (Pass.File; nil when it
// is missing or does not parse). Findings name paths relative to the context
// with Line 0; configuration applies as it does to the Dockerfile's own
// findings (overrides match the Dockerfile's path). Like Lint, it never fails.
func (l *Linter) LintContext(c *buildctx.Context) Result {
	cfg := l.Config
	if cfg == nil {
		cfg = &Config{}
	}
	name := c.Dockerfile
	if name == "" {
		name = "Dockerfile"
	}
	if !filepath.IsAbs(name) {
		name = filepath.Join(c.Dir, name)
	}
	eff := cfg.For(name)
	var f *dockerfile.File
	if src, err := os.ReadFile(name); err == nil {
		f, _, _ = dockerfile.Parse(name, src)
	}
	state := &fileState{scripts: map[*dockerfile.Instruction]*shellScript{}}
	base := Pass{File: f, Context: c, state: state, trusted: cfg.TrustedRegistries}
	all := runScope(l.Rules, ScopeContext, eff, base, func(r *Rule, v any, stack string) Finding {
		return Finding{
			Code: r.Code, Name: r.Name, Severity: Error, File: ".",
			Message: fmt.Sprintf("internal error in rule %s (%v); please report it with a listing of this build context: %s", r.Code, v, stack),
		}
	})
	var out []Finding
	for _, fd := range all {
		if fd.Severity != None {
			out = append(out, fd)
		}
	}
	SortFindings(out)
	return Result{File: f, Findings: out}
}

// ReportPath records a finding of a context rule about path (relative to the
// context, "." for the context itself): bytes is what acting on it saves,
// suggestion the line to add to .dockerignore ("" when there is none to offer).
func (p *Pass) ReportPath(path string, bytes int64, suggestion, msg string) *Finding {
	p.findings = append(p.findings, Finding{
		Code:       p.Rule.Code,
		Name:       p.Rule.Name,
		Severity:   p.Rule.Severity,
		Message:    msg,
		File:       path,
		Aliases:    p.Rule.Aliases,
		Bytes:      bytes,
		Suggestion: suggestion,
	})
	return &p.findings[len(p.findings)-1]
}
