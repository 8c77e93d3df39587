package report

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/shipshape-dev/shipshape/analyze"
	"github.com/shipshape-dev/shipshape/lint"
)

// inspectFixture is an inspection with image findings: one on a layer of the
// user's matched to a Dockerfile line, one on a base layer, one about the
// config without a line.
func inspectFixture() *Inspection {
	removed := 4
	rules := []*lint.Rule{
		{Code: "IM204", Name: "vcs-dir-in-image", Title: "t", Rationale: "r", Severity: lint.Warning, Scope: lint.ScopeImage, Bad: "FROM a\n", Good: "FROM b\n"},
		{Code: "IM206", Name: "docs-in-image", Title: "t", Rationale: "r", Severity: lint.Info, Scope: lint.ScopeImage, Bad: "FROM a\n", Good: "FROM b\n"},
		{Code: "IM404", Name: "runs-as-root", Title: "t", Rationale: "r", Severity: lint.Warning, Scope: lint.ScopeImage, Bad: "FROM a\n", Good: "FROM b\n"},
	}
	return &Inspection{
		Tool: "shipshape", Version: "test",
		Result: &analyze.Result{Image: analyze.ImageInfo{Reference: "app.tar", Source: "docker-archive"}},
		Checks: true, Rules: rules,
		Findings: []lint.Finding{
			{Code: "IM206", Name: "docs-in-image", Severity: lint.Info, Message: "layer 0 adds docs", File: "app.tar", Bytes: 2048,
				Image: &lint.ImageFinding{Layer: 0, LayerDigest: "sha256:00aa00aa00aa00aa00aa", CreatedBy: "ADD rootfs", Base: true,
					Paths: []lint.ImagePath{{Path: "/usr/share/doc/", Bytes: 2048, Files: 3}}}},
			{Code: "IM204", Name: "vcs-dir-in-image", Severity: lint.Warning, Message: "layer 3 `COPY . /app` puts .git in the image",
				File: "Dockerfile", Line: 3, Column: 1, EndLine: 3, EndColumn: 5, Bytes: 30000, Suggestion: "add `.git` to .dockerignore",
				Image: &lint.ImageFinding{Layer: 3, LayerDigest: "sha256:33bb33bb33bb33bb33bb", CreatedBy: "COPY dir:1 in /app", CompressedBytes: 9000,
					Paths: []lint.ImagePath{{Path: "/app/.git/", Bytes: 30000, Files: 12, RemovedBy: &removed}}}},
			{Code: "IM404", Name: "runs-as-root", Severity: lint.Warning, Message: "the image runs as root", File: "app.tar",
				Image: &lint.ImageFinding{Layer: -1, Paths: []lint.ImagePath{}}},
		},
	}
}

func writeInspection(t *testing.T, format string, in *Inspection) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := WriteInspection(&b, format, in); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// The base image's findings are counted, not shown, unless asked for; every
// format agrees.
func TestInspectFindingsBase(t *testing.T) {
	in := inspectFixture()
	in.ChecksOnly = true
	text := string(writeInspection(t, "text", in))
	if strings.Contains(text, "IM206") || !strings.Contains(text, "1 finding in the base image's layers not shown") {
		t.Errorf("base finding shown, or not counted:\n%s", text)
	}
	if !strings.Contains(text, "29.3 KiB  /app/.git/ (12 files), not in the final filesystem since layer 4 but still in layer 3") {
		t.Errorf("paths not listed:\n%s", text)
	}
	for _, format := range []string{"sarif", "gitlab", "github", "checkstyle", "json"} {
		if out := string(writeInspection(t, format, in)); strings.Contains(out, "layer 0 adds docs") {
			t.Errorf("%s shows the base finding:\n%s", format, out)
		}
	}
	in.ShowBase = true
	if out := string(writeInspection(t, "sarif", in)); !strings.Contains(out, `"ruleId": "IM206"`) {
		t.Errorf("--base-findings: the base finding is missing:\n%s", out)
	}
}

// JSON findings have lint's item shape plus where they are in the image.
func TestInspectFindingsJSON(t *testing.T) {
	in := inspectFixture()
	in.ChecksOnly = true
	var doc struct {
		SchemaVersion int              `json:"schemaVersion"`
		Findings      []map[string]any `json:"findings"`
		Summary       map[string]any   `json:"findingsSummary"`
		Layers        any              `json:"layers"`
	}
	if err := json.Unmarshal(writeInspection(t, "json", in), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.SchemaVersion != 1 || doc.Layers != nil || len(doc.Findings) != 2 {
		t.Fatalf("unexpected document: %+v", doc)
	}
	f := doc.Findings[0]
	for _, k := range []string{"code", "name", "severity", "message", "file", "line", "column", "endLine", "endColumn", "aliases",
		"bytes", "compressedBytes", "suggestion", "layer", "layerDigest", "createdBy", "base", "paths"} {
		if _, ok := f[k]; !ok {
			t.Errorf("finding lacks %q: %v", k, f)
		}
	}
	if f["layer"] != 3.0 || f["line"] != 3.0 || f["compressedBytes"] != 9000.0 {
		t.Errorf("finding: %v", f)
	}
	if doc.Findings[1]["layer"] != -1.0 || doc.Summary["hiddenBaseFindings"] != 1.0 || doc.Summary["warning"] != 2.0 {
		t.Errorf("config finding or summary: %v %v", doc.Findings[1], doc.Summary)
	}
}

// The image findings' SARIF passes Microsoft's validator: a Dockerfile
// location with a region, the image reference without one.
func TestInspectSARIFMultitool(t *testing.T) {
	npx := needTool(t, "npx")
	dir := t.TempDir()
	in := inspectFixture()
	in.ShowBase = true
	if err := os.WriteFile(filepath.Join(dir, "inspect.sarif"), writeInspection(t, "sarif", in), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "validation.sarif")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, npx, "--yes", sarifMultitool, "validate", "inspect.sarif", "-o", out)
	cmd.Dir = dir
	console, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("running the validator: %v\n%s", err, console)
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatalf("reading validator log: %v\n%s", err, console)
	}
	var log multitoolLog
	if err := json.Unmarshal(data, &log); err != nil || len(log.Runs) != 1 {
		t.Fatalf("decoding validator log: %v", err)
	}
	for _, res := range log.Runs[0].Results {
		if res.Level == "error" {
			t.Errorf("validator: %s %s %v", res.RuleID, res.Message.ID, res.Message.Arguments)
		}
	}
}
