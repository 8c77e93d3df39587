package lint

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/shipshape-dev/shipshape/buildctx"
	"github.com/shipshape-dev/shipshape/dockerfile"
)

// everyRun reports each RUN; a stand-in rule to exercise the engine.
var everyRun = &Rule{
	Code: "DF299", Name: "every-run", Severity: Warning, Aliases: []string{"DL3999"},
	Check: EachInstruction(func(p *Pass, in *dockerfile.Instruction) {
		p.ReportInstruction(in, "a RUN")
	}, "run"),
}

var panics = &Rule{Code: "DF298", Name: "panics", Severity: Warning, Check: func(*Pass) { panic("boom") }}

func run(t *testing.T, cfg *Config, src string, rules ...*Rule) []string {
	t.Helper()
	rules = append(rules, ParseErrorRule, UnusedIgnoreRule)
	res := (&Linter{Rules: rules, Config: cfg}).Lint("Dockerfile", []byte(src))
	var out []string
	for _, f := range res.Findings {
		out = append(out, f.Severity.String()+" "+f.Code+" "+strconv.Itoa(f.Line)+":"+strconv.Itoa(f.Column))
	}
	return out
}

func TestIgnoreComments(t *testing.T) {
	src := "FROM debian:12\n" +
		"# shipshape ignore=DF299\n" +
		"RUN a\n" +
		"# hadolint ignore=DL3999\n" +
		"RUN b\n" +
		"# shipshape ignore=every-run,DF201\n" +
		"RUN c\n" +
		"RUN d\n" +
		"# shipshape ignore=DF299\n" +
		"USER app\n"
	got := strings.Join(run(t, nil, src, everyRun), "; ")
	want := "info DF902 6:1; warning DF299 8:1; info DF902 9:1"
	if got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}

func TestGlobalIgnore(t *testing.T) {
	got := run(t, nil, "# hadolint global ignore=DL3999\nFROM debian:12\nRUN a\nRUN b\n", everyRun)
	if len(got) != 0 {
		t.Errorf("got %v", got)
	}
}

func TestConfigSeverityAndDisable(t *testing.T) {
	src := "FROM debian:12\nRUN a\n"
	sev := map[string]Severity{"every-run": Error}
	if got := run(t, &Config{Severity: sev}, src, everyRun); len(got) != 1 || got[0] != "error DF299 2:1" {
		t.Errorf("severity override: %v", got)
	}
	if got := run(t, &Config{Disable: []string{"DF2*"}}, src, everyRun); len(got) != 0 {
		t.Errorf("glob disable: %v", got)
	}
	if got := run(t, &Config{Disable: []string{"DL3999"}}, src, everyRun); len(got) != 0 {
		t.Errorf("alias disable: %v", got)
	}
	off := &Rule{Code: "DF297", Name: "off", Disabled: true, Severity: Info, Check: everyRun.Check}
	if got := run(t, nil, src, off); len(got) != 0 {
		t.Errorf("disabled by default: %v", got)
	}
	if got := run(t, &Config{Enable: []string{"off"}}, src, off); len(got) != 1 {
		t.Errorf("enabled by config: %v", got)
	}
}

func TestOverridesPerPath(t *testing.T) {
	dir := t.TempDir()
	cfgPath := filepath.Join(dir, ".shipshape.yaml")
	yaml := "overrides:\n  - files: [\"legacy/**\"]\n    disable: [DF299]\n"
	if err := os.WriteFile(cfgPath, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, err := LoadConfig(cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	l := &Linter{Rules: []*Rule{everyRun}, Config: cfg}
	src := []byte("FROM debian:12\nRUN a\n")
	if n := len(l.Lint(filepath.Join(dir, "legacy/old/Dockerfile"), src).Findings); n != 0 {
		t.Errorf("override must disable under legacy/: %d findings", n)
	}
	if n := len(l.Lint(filepath.Join(dir, "app/Dockerfile"), src).Findings); n != 1 {
		t.Errorf("override must not apply elsewhere: %d findings", n)
	}
}

func TestHadolintConfig(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, ".hadolint.yaml")
	data := "ignored: [DL3999]\noverride:\n  error: [DL3008]\ntrustedRegistries: [docker.io]\nfailure-threshold: error\nformat: tty\n"
	if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, err := LoadConfig(p)
	if err != nil {
		t.Fatal(err)
	}
	if *cfg.FailureThreshold != Error || cfg.TrustedRegistries[0] != "docker.io" || cfg.Disable[0] != "DL3999" {
		t.Errorf("config = %+v", cfg)
	}
	if got := run(t, cfg, "FROM debian:12\nRUN a\n", everyRun); len(got) != 0 {
		t.Errorf("ignored alias must disable: %v", got)
	}
}

func TestBrokenConfigIsAnError(t *testing.T) {
	dir := t.TempDir()
	for name, data := range map[string]string{
		".shipshape.yaml":   "disable: [DF201\n",
		"x/.shipshape.yaml": "disabel: [DF201]\n",
		".hadolint.yaml":    "override:\n  critical: [DL3008]\n",
	} {
		p := filepath.Join(dir, name)
		_ = os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := LoadConfig(p); err == nil || !strings.Contains(err.Error(), p) {
			t.Errorf("%s: err = %v, want an error naming the file", name, err)
		}
	}
	c := &Config{Disable: []string{"DF999"}}
	if err := c.Validate([]*Rule{everyRun}); err == nil || !strings.Contains(err.Error(), "DF999") {
		t.Errorf("unknown code must be an error: %v", err)
	}
}

func TestPanickingRuleCostsOnlyItself(t *testing.T) {
	got := run(t, nil, "FROM debian:12\nRUN a\n", panics, everyRun)
	if len(got) != 2 || got[0] != "error DF298 1:1" || got[1] != "warning DF299 2:1" {
		t.Errorf("got %v", got)
	}
}

func TestParseErrorFinding(t *testing.T) {
	got := run(t, nil, "FROM debian:12\nRUNN x\n", everyRun)
	if len(got) != 1 || got[0] != "error DF901 2:1" {
		t.Errorf("got %v", got)
	}
}

func TestApplyFixes(t *testing.T) {
	src := "from debian:12\nrun a\n"
	fs := []Finding{
		{Fix: &Fix{Edits: []Edit{{Line: 1, Column: 1, EndLine: 1, EndColumn: 5, New: "FROM"}}}},
		{Fix: &Fix{Edits: []Edit{{Line: 2, Column: 1, EndLine: 2, EndColumn: 4, New: "RUN"}}}},
		{Fix: &Fix{Edits: []Edit{{Line: 2, Column: 2, EndLine: 2, EndColumn: 3, New: "X"}}}}, // overlaps: skipped
	}
	out, n := ApplyFixes([]byte(src), fs)
	if string(out) != "FROM debian:12\nRUN a\n" || n != 2 {
		t.Errorf("got %q (%d)", out, n)
	}
}

// A context rule that panics costs its own findings too, and the others still run.
func TestPanickingContextRuleCostsOnlyItself(t *testing.T) {
	boom := &Rule{Code: "CX298", Name: "boom", Severity: Warning, Scope: ScopeContext, Check: func(*Pass) { panic("boom") }}
	fine := &Rule{Code: "CX299", Name: "fine", Severity: Warning, Scope: ScopeContext, Check: func(p *Pass) { p.ReportPath(".", 0, "", "seen") }}
	res := (&Linter{Rules: []*Rule{boom, fine}}).LintContext(&buildctx.Context{Dir: t.TempDir()})
	if len(res.Findings) != 2 || res.Findings[0].Code != "CX298" || res.Findings[0].Severity != Error ||
		!strings.Contains(res.Findings[0].Message, "internal error in rule CX298") || res.Findings[1].Code != "CX299" {
		t.Errorf("findings %+v", res.Findings)
	}
}
