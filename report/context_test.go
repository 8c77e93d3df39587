package report

import (
	"bufio"
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/shipshape-dev/shipshape/buildctx"
	"github.com/shipshape-dev/shipshape/lint"
)

const contextSchemaFile = "../docs/context.schema.json"

// contextFixture measures a small real context and attaches findings of
// every severity, one without a line to add.
func contextFixture(t *testing.T) *ContextReport {
	t.Helper()
	dir := t.TempDir()
	for name, body := range map[string]string{
		"Dockerfile": "FROM scratch\nCOPY . /\n", ".dockerignore": "node_modules\n*.tmp\n",
		".git/HEAD": "ref\n", "node_modules/a/index.js": "1\n", "x.tmp": "t", "src/main.go": "package main\n",
	} {
		p := filepath.Join(dir, name)
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
	fs := []lint.Finding{
		{Code: "CX302", Name: "vcs-dir-sent", Severity: lint.Warning, File: "app/.git", Message: "`.git` sends 4 B: add `.git` to .dockerignore",
			Aliases: []string{}, Bytes: 4, Suggestion: ".git"},
		{Code: "CX401", Name: "secret-file-sent", Severity: lint.Error, File: "app/Dockerfile", Message: "copied by name <&>",
			Aliases: []string{}, Bytes: 22},
	}
	e, err := c.PlanIgnoreEdit([]string{".git", "node_modules"})
	if err != nil {
		t.Fatal(err)
	}
	return &ContextReport{
		Report:  Report{Tool: "shipshape", Version: "1.2.3", Findings: fs, Files: 1},
		Context: c, Name: "app", Largest: c.Largest(3), Edit: e,
	}
}

func TestContextJSONMatchesSchema(t *testing.T) {
	r := contextFixture(t)
	var buf bytes.Buffer
	if err := WriteContext(&buf, "json", r, Options{}); err != nil {
		t.Fatal(err)
	}
	for _, strict := range []bool{false, true} {
		if err := validate(loadSchemaFile(t, contextSchemaFile, strict), buf.Bytes()); err != nil {
			t.Errorf("strict=%v: %v\n%s", strict, err, buf.String())
		}
	}
	out := buf.String()
	for _, want := range []string{`"bytes": 4,`, `"suggestion": ".git"`, `"append": [`, `".git"`, `"pattern": "node_modules"`, `"message": "copied by name <&>"`} {
		if !strings.Contains(out, want) {
			t.Errorf("JSON lacks %s:\n%s", want, out)
		}
	}
	// node_modules is already in the file: only .git is appended
	if strings.Contains(out[strings.Index(out, `"append"`):], `"node_modules"`) {
		t.Errorf("a line the file holds is appended again:\n%s", out)
	}
	// a clean run is still a valid document
	r.Findings, r.Edit = nil, nil
	buf.Reset()
	if err := WriteContext(&buf, "json", r, Options{}); err != nil {
		t.Fatal(err)
	}
	if err := validate(loadSchemaFile(t, contextSchemaFile, true), buf.Bytes()); err != nil {
		t.Errorf("clean: %v", err)
	}
}

// Context findings are about a whole path: no line in text, no region in
// SARIF, a file-level annotation on GitHub, and the bytes and line carried.
func TestContextFindingsInEveryFormat(t *testing.T) {
	r := contextFixture(t)
	r.Rules = []*lint.Rule{{Code: "CX302", Name: "vcs-dir-sent", Title: "t", Rationale: "r", Scope: lint.ScopeContext,
		Bad: "-- .git/HEAD --\nref\n", Good: "-- .dockerignore --\n.git\n"}}
	render := func(format string) string {
		var buf bytes.Buffer
		if err := WriteContext(&buf, format, r, Options{}); err != nil {
			t.Fatal(err)
		}
		return buf.String()
	}
	for format, want := range map[string][]string{
		"text":       {"app/.git: warning CX302 (vcs-dir-sent) ", "app/Dockerfile: error CX401", "    22 B at stake\n", "kept out by .dockerignore:", "+.git\n"},
		"sarif":      {`"suggestion": ".git"`, `"bytes": 4`, `"build-context"`, "```text"},
		"github":     {"::warning file=app/.git,title=CX302 vcs-dir-sent::"},
		"gitlab":     {`"begin": 1`},
		"checkstyle": {`source="shipshape.CX302"`},
	} {
		out := render(format)
		for _, w := range want {
			if !strings.Contains(out, w) {
				t.Errorf("%s output lacks %q:\n%s", format, w, out)
			}
		}
	}
	if strings.Contains(render("sarif"), `"region"`) {
		t.Errorf("SARIF gives a region to a finding about a whole path")
	}
	// TestSARIFMultitool validates the context SARIF with the reference validator.
}

func TestIgnoreDiff(t *testing.T) {
	for name, tc := range map[string]struct {
		e    buildctx.IgnoreEdit
		want string
	}{
		"create": {buildctx.IgnoreEdit{File: ".dockerignore", Create: true, Lines: []string{".git", "node_modules"}},
			"--- /dev/null\n+++ app/.dockerignore\n@@ -0,0 +1,2 @@\n+.git\n+node_modules\n"},
		"append": {buildctx.IgnoreEdit{File: ".dockerignore", Lines: []string{".env"}, OldLines: 3, LastLine: "*.log"},
			"--- app/.dockerignore\n+++ app/.dockerignore\n@@ -3,0 +4,1 @@\n+.env\n"},
		"no final newline": {buildctx.IgnoreEdit{File: ".dockerignore", Lines: []string{".env"}, OldLines: 2, LastLine: "*.log", NoFinalNewline: true},
			"--- app/.dockerignore\n+++ app/.dockerignore\n@@ -2 +2,2 @@\n-*.log\n\\ No newline at end of file\n+*.log\n+.env\n"},
		"empty file": {buildctx.IgnoreEdit{File: "build/Dockerfile.dockerignore", Lines: []string{".git"}},
			"--- app/build/Dockerfile.dockerignore\n+++ app/build/Dockerfile.dockerignore\n@@ -0,0 +1,1 @@\n+.git\n"},
	} {
		var buf bytes.Buffer
		w := bufio.NewWriter(&buf)
		writeIgnoreDiff(w, false, "app/"+tc.e.File, &tc.e)
		w.Flush()
		if buf.String() != tc.want {
			t.Errorf("%s:\n%s\nwant:\n%s", name, buf.String(), tc.want)
		}
	}
}
