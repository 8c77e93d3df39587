package lint

import (
	"errors"
	"fmt"
	"path"
	"runtime/debug"
	"strings"

	"github.com/shipshape-dev/shipshape/buildctx"
	"github.com/shipshape-dev/shipshape/dockerfile"
)

func globMatch(pattern, s string) bool {
	ok, err := path.Match(pattern, s)
	return err == nil && ok
}

// Linter runs a set of rules under a configuration.
type Linter struct {
	Rules  []*Rule
	Config *Config // nil means defaults
	// Context, when set, is the build context of the Dockerfiles linted; rules
	// that compare the Dockerfile with its context read it from Pass.Context.
	Context *buildctx.Context
	// LoadContext, when Context is nil, supplies the build context on demand:
	// Lint calls it at most once, with the parsed file, when a rule first asks
	// for the context (Pass.BuildContext, Pass.Sources), so a file whose
	// enabled rules never ask costs no directory walk. On an error the
	// context-aware rules run without a context and Result.ContextErr says why.
	LoadContext func(f *dockerfile.File) (*buildctx.Resolver, error)
}

// Result is what linting one file gives.
type Result struct {
	File     *dockerfile.File // nil when the file did not parse
	Findings []Finding
	// ContextErr is the error LoadContext returned, if a rule asked for it.
	ContextErr error
}

// Lint parses src (read from name) and runs every enabled rule over it. A file
// that does not parse gives one parse-error finding; Lint itself never fails.
func (l *Linter) Lint(name string, src []byte) Result {
	cfg := l.Config
	if cfg == nil {
		cfg = &Config{}
	}
	eff := cfg.For(name)
	f, _, err := dockerfile.Parse(name, src)
	if err != nil {
		var pe *dockerfile.Error
		pos := dockerfile.Pos{Line: 1, Col: 1}
		msg := err.Error()
		if errors.As(err, &pe) {
			pos, msg = pe.Pos, pe.Msg
		}
		fd := Finding{
			Code: ParseErrorRule.Code, Name: ParseErrorRule.Name, Severity: Error, File: name,
			Message: "Dockerfile does not parse: " + msg + "; docker build would reject it, fix this line first",
			Line:    pos.Line, Column: pos.Col, EndLine: pos.Line, EndColumn: pos.Col,
		}
		return Result{Findings: []Finding{fd}}
	}
	state := &fileState{scripts: map[*dockerfile.Instruction]*shellScript{}, fixedCtx: l.Context, loadCtx: l.LoadContext}
	base := Pass{File: f, Context: l.Context, state: state, trusted: cfg.TrustedRegistries}
	out := runScope(l.Rules, ScopeDockerfile, eff, base, func(r *Rule, v any, stack string) Finding {
		return Finding{
			Code: r.Code, Name: r.Name, Severity: Error, File: f.Name, Line: 1, Column: 1, EndLine: 1, EndColumn: 1,
			Message: fmt.Sprintf("internal error in rule %s (%v); please report it with this Dockerfile: %s", r.Code, v, stack),
		}
	})
	ig := parseIgnores(f)
	out = ig.apply(f, out, l.Rules)
	if eff.Enabled(UnusedIgnoreRule) {
		for _, fd := range ig.unused(l.Rules) {
			fd.Severity = eff.Severity(UnusedIgnoreRule, fd.Severity)
			out = append(out, fd)
		}
	}
	kept := out[:0]
	for _, fd := range out {
		if fd.Severity != None {
			kept = append(kept, fd)
		}
	}
	SortFindings(kept)
	return Result{File: f, Findings: kept, ContextErr: state.ctxErr}
}

// runScope runs every enabled rule of one scope, each on its own copy of base,
// and gives their findings the configured severities. A rule that panics
// costs only its own findings: crash turns the panic into one finding that
// says what to report.
func runScope(rules []*Rule, scope Scope, eff Effective, base Pass, crash func(r *Rule, v any, stack string) Finding) []Finding {
	var out []Finding
	for _, r := range rules {
		if r.Check == nil || r.Scope != scope || !eff.Enabled(r) {
			continue
		}
		p := base
		p.Rule, p.opts = r, eff.Options(r)
		for _, fd := range runGuarded(&p, crash) {
			fd.Severity = eff.Severity(r, fd.Severity)
			out = append(out, fd)
		}
	}
	return out
}

func runGuarded(p *Pass, crash func(r *Rule, v any, stack string) Finding) (out []Finding) {
	defer func() {
		if v := recover(); v != nil {
			out = []Finding{crash(p.Rule, v, firstLine(string(debug.Stack())))}
		}
	}()
	p.Rule.Check(p)
	return p.findings
}

func firstLine(s string) string {
	l, _, _ := strings.Cut(s, "\n")
	return l
}
