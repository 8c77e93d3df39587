package rules

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/txtar"
	"github.com/shipshape-dev/shipshape/buildctx"
	"github.com/shipshape-dev/shipshape/lint"
)

// The context rules' cases: in cxNNN_name.txtar, `CASE/PATH` sections are the
// files of a build context, `CASE/config.yaml` its configuration and
// `CASE/want` the findings (`FILE CODE bytes=N line=L MESSAGE`, empty for a
// clean case). A file whose whole content is `(48 MiB of …)` is made as a
// sparse file of that size, so large-file cases stay small.

type cxCase struct {
	name         string
	files        map[string]string
	config, want string
	hasWant      bool
}

func readCXCases(t *testing.T, path string) (*txtar.Archive, []*cxCase) {
	return readCaseFile(t, path, func(name string) *cxCase { return &cxCase{name: name, files: map[string]string{}} }, func(c *cxCase, file string, data []byte) {
		switch file {
		case "want":
			c.want, c.hasWant = string(data), true
		case "config.yaml":
			c.config = string(data)
		default:
			c.files[file] = string(data)
		}
	})
}

var sparseRe = regexp.MustCompile(`^\(([0-9.]+) ([KMG]i?B) of [^)]*\)\n?$`)

// makeContext writes files into a new directory; see sparseRe.
func makeContext(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, body := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		if m := sparseRe.FindStringSubmatch(body); m != nil {
			n, _ := strconv.ParseFloat(m[1], 64)
			unit := map[string]float64{"KiB": 1 << 10, "MiB": 1 << 20, "GiB": 1 << 30, "KB": 1e3, "MB": 1e6, "GB": 1e9}[m[2]]
			if err := os.Truncate(p, int64(n*unit)); err != nil {
				t.Fatal(err)
			}
		}
	}
	return dir
}

func lintContext(t *testing.T, r *lint.Rule, dir, config string) (*buildctx.Context, lint.Result) {
	t.Helper()
	c, err := buildctx.Load(dir, "")
	if err != nil {
		t.Fatal(err)
	}
	cfg := &lint.Config{}
	if config != "" {
		p := filepath.Join(t.TempDir(), ".shipshape.yaml")
		if err := os.WriteFile(p, []byte(config), 0o644); err != nil {
			t.Fatal(err)
		}
		if cfg, err = lint.LoadConfig(p); err != nil {
			t.Fatal(err)
		}
		cfg.Path = ""
	}
	cfg.Enable = append(cfg.Enable, r.Code)
	return c, (&lint.Linter{Rules: []*lint.Rule{r}, Config: cfg}).LintContext(c)
}

func renderCX(fs []lint.Finding) string {
	var b strings.Builder
	for _, f := range fs {
		fmt.Fprintf(&b, "%s %s bytes=%d", f.File, f.Code, f.Bytes)
		if f.Suggestion != "" {
			fmt.Fprintf(&b, " line=%s", f.Suggestion)
		}
		fmt.Fprintf(&b, " %s\n", f.Message)
	}
	return b.String()
}

func contextRules() []*lint.Rule {
	var out []*lint.Rule
	for _, r := range All() {
		if r.Scope == lint.ScopeContext {
			out = append(out, r)
		}
	}
	return out
}

func TestContextRuleCases(t *testing.T) {
	for _, r := range contextRules() {
		t.Run(r.Code, func(t *testing.T) {
			path := caseFile(r)
			if path == "" {
				t.Fatalf("rule %s has no test file %s_<name>.txtar", r.Code, strings.ToLower(r.Code))
			}
			a, cases := readCXCases(t, path)
			cr := &caseRun{t: t, path: path, a: a, code: r.Code}
			for _, c := range cases {
				dir := makeContext(t, c.files)
				ctx, res := lintContext(t, r, dir, c.config)
				got := renderCX(res.Findings)
				if cr.check(c.name, got, c.want) {
					checkSuggestions(t, r, c, dir, ctx, res.Findings)
				}
			}
			cr.finish(3)
		})
	}
}

// checkSuggestions appends the suggested lines as --write-dockerignore does
// and measures again: every finding that offered a line is gone, and the
// context sends exactly the bytes the findings said it would save.
func checkSuggestions(t *testing.T, r *lint.Rule, c *cxCase, dir string, before *buildctx.Context, fs []lint.Finding) {
	t.Helper()
	var lines []string
	var saves int64
	for _, f := range fs {
		if f.Suggestion != "" {
			lines = append(lines, f.Suggestion)
			saves += f.Bytes
		}
	}
	if len(lines) == 0 {
		return
	}
	e, err := before.PlanIgnoreEdit(lines)
	if err != nil {
		t.Fatal(err)
	}
	size := func() int64 {
		st, err := os.Stat(filepath.Join(dir, e.File))
		if err != nil {
			return 0
		}
		return st.Size()
	}
	was := size()
	if err := e.Apply(); err != nil {
		t.Fatal(err)
	}
	after, res := lintContext(t, r, dir, c.config)
	for _, f := range res.Findings {
		if f.Suggestion != "" {
			t.Errorf("case %s: after adding %q to %s, still: %s %s", c.name, lines, e.File, f.File, f.Message)
		}
	}
	if f, ok := after.FileAt(e.File); ok && !f.Ignored {
		saves -= size() - was // the ignore file is sent too, and grew
	}
	if after.SentBytes != before.SentBytes-saves {
		t.Errorf("case %s: the findings said %d bytes would be saved; the context went from %d to %d bytes",
			c.name, saves, before.SentBytes, after.SentBytes)
	}
}

// TestContextExamples checks the documented examples of the context rules:
// build contexts written as txtar; Bad triggers the rule, Good does not.
func TestContextExamples(t *testing.T) {
	for _, r := range contextRules() {
		for _, ex := range []struct {
			name, src string
			want      bool
		}{{"Bad", r.Bad, true}, {"Good", r.Good, false}} {
			files := map[string]string{}
			for _, f := range txtar.Parse([]byte(ex.src)).Files {
				files[f.Name] = string(f.Data)
			}
			if len(files) == 0 {
				t.Errorf("%s: its %s example is no txtar build context", r.Code, ex.name)
				continue
			}
			_, res := lintContext(t, r, makeContext(t, files), "")
			if got := renderCX(res.Findings); strings.Contains(got, " "+r.Code+" ") != ex.want {
				t.Errorf("%s: its %s example gives:\n%s", r.Code, ex.name, got)
			}
		}
	}
}

// BenchmarkLintContext runs every context rule over a measured tree of your
// own, e.g. SHIPSHAPE_BENCH_CONTEXT=/tmp/shipshape-ctx-scale/ctx (made by
// bench/context-scale.sh); the walk itself is buildctx's BenchmarkLoadTree.
func BenchmarkLintContext(b *testing.B) {
	dir := os.Getenv("SHIPSHAPE_BENCH_CONTEXT")
	if dir == "" {
		b.Skip("SHIPSHAPE_BENCH_CONTEXT is not set")
	}
	c, err := buildctx.Load(dir, "")
	if err != nil {
		b.Fatal(err)
	}
	l := &lint.Linter{Rules: contextRules(), Config: &lint.Config{}}
	for b.Loop() {
		l.LintContext(c)
	}
}

// Dockerfile linting never runs context rules, and context linting never
// runs Dockerfile rules.
func TestScopesApart(t *testing.T) {
	dir := makeContext(t, map[string]string{"Dockerfile": "FROM node:latest\nCOPY . .\n", ".git/HEAD": "ref\n"})
	l := &lint.Linter{Rules: All(), Config: &lint.Config{}}
	for _, f := range l.Lint("Dockerfile", []byte("FROM node:latest\nCOPY . .\n")).Findings {
		if strings.HasPrefix(f.Code, "CX") {
			t.Errorf("Lint ran a context rule: %s", f)
		}
	}
	c, err := buildctx.Load(dir, "")
	if err != nil {
		t.Fatal(err)
	}
	res := l.LintContext(c)
	codes := ""
	for _, f := range res.Findings {
		codes += f.Code + " "
	}
	if codes != "CX301 CX302 " {
		t.Errorf("LintContext found %s, want CX301 CX302", codes)
	}
}
