package rules

import (
	"flag"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/txtar"
	"github.com/shipshape-dev/shipshape/buildctx"
	"github.com/shipshape-dev/shipshape/lint"
)

var update = flag.Bool("update", false, "rewrite the want sections of the rule test cases")

// testCase is one directory of a rule's txtar file: a Dockerfile, the findings
// it must give (`line:col CODE message`, empty for a clean case), an optional
// config.yaml and an optional Dockerfile.fixed.
type testCase struct {
	name                    string
	dockerfile, want, fixed string
	config                  string
	hasFixed                bool
	// ctx holds the build context files of the case (`CASE/ctx/PATH`, the
	// .dockerignore as `CASE/ctx/.dockerignore`); a case with any is linted
	// with the context loaded from them, the Dockerfile written at its root.
	ctx map[string]string
}

func caseFile(r *lint.Rule) string {
	matches, _ := filepath.Glob(strings.ToLower(r.Code) + "_*.txtar")
	if len(matches) != 1 {
		return ""
	}
	return matches[0]
}

func readCases(t *testing.T, path string) (*txtar.Archive, []*testCase) {
	return readCaseFile(t, path, func(name string) *testCase { return &testCase{name: name} }, func(c *testCase, file string, data []byte) {
		switch file {
		case "Dockerfile":
			c.dockerfile = string(data)
		case "want":
			c.want = string(data)
		case "config.yaml":
			c.config = string(data)
		case "Dockerfile.fixed":
			c.fixed, c.hasFixed = string(data), true
		default:
			rel, ok := strings.CutPrefix(file, "ctx/")
			if !ok || rel == "" {
				t.Fatalf("%s: unknown section %q", path, c.name+"/"+file)
			}
			if c.ctx == nil {
				c.ctx = map[string]string{}
			}
			c.ctx[rel] = string(data)
		}
	})
}

// lintWith lints src with r alone; with ctx files, src is the Dockerfile of
// the build context they make.
func lintWith(t *testing.T, r *lint.Rule, src, config string, ctx ...map[string]string) lint.Result {
	t.Helper()
	var bc *buildctx.Context
	if len(ctx) > 0 && ctx[0] != nil {
		bc = writeContext(t, src, ctx[0])
	}
	var cfg *lint.Config
	if config != "" {
		p := filepath.Join(t.TempDir(), ".shipshape.yaml")
		if err := os.WriteFile(p, []byte(config), 0o644); err != nil {
			t.Fatal(err)
		}
		var err error
		if cfg, err = lint.LoadConfig(p); err != nil {
			t.Fatal(err)
		}
		cfg.Path = ""
	} else {
		cfg = &lint.Config{}
	}
	cfg.Enable = append(cfg.Enable, r.Code)
	return (&lint.Linter{Rules: []*lint.Rule{r}, Config: cfg, Context: bc}).Lint("Dockerfile", []byte(src))
}

// writeContext writes a build context: the files, and the Dockerfile at its
// root unless the files hold one.
func writeContext(t *testing.T, dockerfile string, files map[string]string) *buildctx.Context {
	t.Helper()
	dir := t.TempDir()
	if _, ok := files["Dockerfile"]; !ok {
		files = maps.Clone(files)
		files["Dockerfile"] = dockerfile
	}
	for name, body := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	c, err := buildctx.Load(dir, "")
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func render(fs []lint.Finding) string {
	var b strings.Builder
	for _, f := range fs {
		fmt.Fprintf(&b, "%d:%d %s %s\n", f.Line, f.Column, f.Code, f.Message)
	}
	return b.String()
}

func TestRuleCases(t *testing.T) {
	for _, r := range All() {
		if r.Check == nil || r.Scope != lint.ScopeDockerfile { // context rules: cx_test.go; image checks: im_test.go
			continue
		}
		t.Run(r.Code, func(t *testing.T) {
			path := caseFile(r)
			if path == "" {
				t.Fatalf("rule %s has no test file %s_<name>.txtar", r.Code, strings.ToLower(r.Code))
			}
			a, cases := readCases(t, path)
			cr := &caseRun{t: t, path: path, a: a, code: r.Code}
			for _, c := range cases {
				if strings.HasPrefix(c.name, exampleCase) {
					continue
				}
				res := lintWith(t, r, c.dockerfile, c.config, c.ctx)
				got := render(res.Findings)
				cr.check(c.name, got, c.want)
				if c.hasFixed {
					fixed, _ := lint.ApplyFixes([]byte(c.dockerfile), res.Findings)
					cr.golden(c.name+"/Dockerfile.fixed", string(fixed), c.fixed)
					again := lintWith(t, r, string(fixed), c.config, c.ctx)
					for _, f := range again.Findings {
						if f.Fix != nil {
							t.Errorf("%s: case %s: the fixed Dockerfile still has a fixable finding: %s", path, c.name, f)
						}
					}
				}
			}
			cr.finish(2)
		})
	}
}

func setSection(a *txtar.Archive, name, data string) {
	for i := range a.Files {
		if a.Files[i].Name == name {
			a.Files[i].Data = []byte(data)
			return
		}
	}
	// keep the want right after the case's other files
	dir, _, _ := strings.Cut(name, "/")
	at := len(a.Files)
	for i, f := range a.Files {
		if strings.HasPrefix(f.Name, dir+"/") {
			at = i + 1
		}
	}
	a.Files = append(a.Files[:at], append([]txtar.File{{Name: name, Data: []byte(data)}}, a.Files[at:]...)...)
}

// TestExamples checks the examples in each rule's docs: Bad triggers it, Good does not.
func TestExamples(t *testing.T) {
	for _, r := range All() {
		if r.Scope != lint.ScopeDockerfile { // context rules: cx_test.go; image checks: im_test.go
			continue
		}
		rules := []*lint.Rule{r}
		// trusted-registry needs a list to check against; the examples assume Docker Hub.
		cfg := &lint.Config{Enable: []string{r.Code}, TrustedRegistries: []string{"docker.io"}}
		badCtx, goodCtx := exampleContexts(t, r)
		bad := (&lint.Linter{Rules: rules, Config: cfg, Context: badCtx}).Lint("Dockerfile", []byte(r.Bad))
		if !strings.Contains(render(bad.Findings), " "+r.Code+" ") {
			t.Errorf("%s: its Bad example does not trigger it:\n%s", r.Code, r.Bad)
		}
		good := (&lint.Linter{Rules: rules, Config: cfg, Context: goodCtx}).Lint("Dockerfile", []byte(r.Good))
		if got := render(good.Findings); got != "" {
			t.Errorf("%s: its Good example triggers:\n%s", r.Code, got)
		}
	}
}

// exampleCase names the sections of a rule's case file that hold the build
// contexts of its documented examples: `example/ctx/PATH` for both, or
// `example-bad/ctx/PATH` and `example-good/ctx/PATH` apart. Context-aware rules
// need one for their Bad example to trigger.
const exampleCase = "example"

func exampleContexts(t *testing.T, r *lint.Rule) (bad, good *buildctx.Context) {
	t.Helper()
	path := caseFile(r)
	if path == "" {
		return nil, nil
	}
	_, cases := readCases(t, path)
	for _, c := range cases {
		if c.ctx == nil {
			continue
		}
		switch c.name {
		case exampleCase:
			bad, good = writeContext(t, r.Bad, c.ctx), writeContext(t, r.Good, c.ctx)
		case exampleCase + "-bad":
			bad = writeContext(t, r.Bad, c.ctx)
		case exampleCase + "-good":
			good = writeContext(t, r.Good, c.ctx)
		}
	}
	return bad, good
}

var codeRe = regexp.MustCompile(`^(DF|CX|IM)[1-9][0-9]{2}$`)

// families is the order of the rule families in All.
var families = map[string]int{"DF": 0, "CX": 1, "IM": 2}
var nameRe = regexp.MustCompile(`^[a-z][a-z0-9]*(-[a-z0-9]+)*$`)
var aliasRe = regexp.MustCompile(`^DL[34][0-9]{3}$`)
var ruleVarRe = regexp.MustCompile(`(?m)^var ([A-Z][A-Za-z0-9]*) = &lint\.Rule\{`)

// TestRegistry checks that All lists every rule file exactly once, in code
// order, with well-formed metadata.
func TestRegistry(t *testing.T) {
	files, _ := filepath.Glob("df*.go")
	cx, _ := filepath.Glob("cx[0-9][0-9][0-9]_*.go")
	im, _ := filepath.Glob("im[0-9][0-9][0-9]_*.go")
	files = append(append(files, cx...), im...)
	declared := 0
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		n := len(ruleVarRe.FindAllSubmatch(data, -1))
		if n != 1 {
			t.Errorf("%s declares %d rules: want one rule per file", f, n)
		}
		declared += n
	}
	all := All()
	if declared+2 != len(all) { // + the engine's parse-error and unused-ignore
		t.Errorf("rule files declare %d rules, All lists %d", declared+2, len(all))
	}
	seen := map[string]bool{}
	for i, r := range all {
		if !codeRe.MatchString(r.Code) || !nameRe.MatchString(r.Name) {
			t.Errorf("bad code or name: %q %q", r.Code, r.Name)
		}
		// Dockerfile rules first, then context rules, then image checks, each family in code order
		if i > 0 && all[i-1].Code[:2] == r.Code[:2] && all[i-1].Code >= r.Code || i > 0 && families[all[i-1].Code[:2]] > families[r.Code[:2]] {
			t.Errorf("All is not in code order at %s", r.Code)
		}
		if seen[r.Code] || seen[r.Name] {
			t.Errorf("duplicate %s/%s", r.Code, r.Name)
		}
		seen[r.Code], seen[r.Name] = true, true
		for _, a := range r.Aliases {
			if !aliasRe.MatchString(a) {
				t.Errorf("%s: alias %q is not a hadolint DL code", r.Code, a)
			}
		}
		if r.Title == "" || r.Rationale == "" || r.Bad == "" || r.Good == "" {
			t.Errorf("%s: title, rationale and examples are required", r.Code)
		}
		if r.Check != nil && caseFile(r) == "" {
			t.Errorf("%s: no test file", r.Code)
		}
	}
	_ = sort.Strings
}

// caseRun keeps what every case file checks: bad cases trigger the rule,
// good ones are clean, the golden matches (or is rewritten with -update), and
// the file has enough of both.
type caseRun struct {
	t         *testing.T
	path      string
	a         *txtar.Archive
	code      string
	bad, good int
	changed   bool
}

// check compares one case's rendered findings with its golden and reports
// whether it is a bad case.
func (cr *caseRun) check(name, got, want string) (bad bool) {
	t := cr.t
	switch {
	case strings.HasPrefix(name, "bad"):
		cr.bad++
		bad = true
		if !strings.Contains(got, " "+cr.code+" ") {
			t.Errorf("%s: case %s must trigger %s, got:\n%s", cr.path, name, cr.code, got)
		}
	case strings.HasPrefix(name, "good"):
		cr.good++
		if got != "" {
			t.Errorf("%s: case %s must be clean, got:\n%s", cr.path, name, got)
		}
	default:
		t.Errorf("%s: case %s: name must start with bad or good", cr.path, name)
	}
	cr.golden(name+"/want", got, want)
	return bad
}

// golden compares a section with what the test got, rewriting it with -update.
func (cr *caseRun) golden(section, got, want string) {
	if got == want {
		return
	}
	if *update {
		setSection(cr.a, section, got)
		cr.changed = true
		return
	}
	cr.t.Errorf("%s: case %s:\n got: %s\nwant: %s", cr.path, strings.TrimSuffix(section, "/want"), got, want)
}

// finish checks the counts and writes the updated goldens.
func (cr *caseRun) finish(minEach int) {
	if cr.bad < minEach || cr.good < minEach {
		cr.t.Errorf("%s: want at least %d bad and %d good cases, have %d and %d", cr.path, minEach, minEach, cr.bad, cr.good)
	}
	if cr.changed {
		if err := os.WriteFile(cr.path, txtar.Format(cr.a), 0o644); err != nil {
			cr.t.Fatal(err)
		}
	}
}

// readCaseFile parses a case file and groups its CASE/FILE sections by case,
// in file order: newCase makes a case, set stores one of its files.
func readCaseFile[C any](t *testing.T, path string, newCase func(name string) *C, set func(c *C, file string, data []byte)) (*txtar.Archive, []*C) {
	t.Helper()
	a, err := txtar.ParseFile(path)
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]*C{}
	var out []*C
	for _, f := range a.Files {
		dir, file, ok := strings.Cut(f.Name, "/")
		if !ok {
			t.Fatalf("%s: section %q: want CASE/FILE", path, f.Name)
		}
		c := byName[dir]
		if c == nil {
			c = newCase(dir)
			byName[dir] = c
			out = append(out, c)
		}
		set(c, file, f.Data)
	}
	return a, out
}
