package report

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/shipshape-dev/shipshape/lint"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// fixture is the one report every format test renders: two files, every
// severity, a fix, a tab before the flagged text, a multi-line range, UTF-8
// before a column, and messages full of characters each format must escape.
func fixture() *Report {
	rules := []*lint.Rule{
		{Code: "DF101", Name: "pin-base-image", Title: "Base images must be pinned", Severity: lint.Error,
			Rationale: "A floating tag builds a different image tomorrow.", Aliases: []string{"DL3006", "DL3007"},
			Practice: []string{"P10"}, Bad: "FROM ubuntu:latest\n", Good: "FROM ubuntu:24.04@sha256:abc\n"},
		{Code: "DF201", Name: "apt-update-alone", Title: "apt-get update must share a RUN with install",
			Rationale: "A lone update layer is cached and goes stale.", Severity: lint.Warning, Fixable: true,
			Aliases: []string{"DL3009"}, Bad: "RUN apt-get update\n", Good: "RUN apt-get update && apt-get install -y x\n"},
		{Code: "DF301", Name: "long-run", Title: "Split long RUN instructions", Severity: lint.Info,
			Rationale: "Readers lose track of long chains."},
		{Code: "DF401", Name: "rm-style", Title: "Indent continuation lines with spaces", Severity: lint.Style,
			Rationale: "Tabs render differently everywhere.", Disabled: true},
		{Code: "DF501", Name: "relative-workdir", Title: "WORKDIR must be absolute", Severity: lint.Warning,
			Rationale: "A relative WORKDIR depends on the one before it.", Aliases: []string{"DL3000"}},
		{Code: "DF601", Name: "label-schema", Title: "Labels follow the OCI keys", Severity: lint.Info,
			Rationale: "Tools read org.opencontainers.image.* labels."},
	}
	findings := []lint.Finding{
		{Code: "DF101", Name: "pin-base-image", Severity: lint.Error, File: "Dockerfile",
			Message: `base image "ubuntu:latest" floats: pin a version & digest, e.g. <ubuntu:24.04@sha256:…>; 100% reproducible builds need it`,
			Line:    1, Column: 6, EndLine: 1, EndColumn: 19, Aliases: []string{"DL3006", "DL3007"}},
		{Code: "DF201", Name: "apt-update-alone", Severity: lint.Warning, File: "Dockerfile",
			Message: "`apt-get update` runs alone, so its layer goes stale:\ncombine it with `apt-get install` in one RUN",
			Line:    2, Column: 5, EndLine: 2, EndColumn: 19, Aliases: []string{"DL3009"},
			Fix: &lint.Fix{Description: "merge the update into the next RUN", Edits: []lint.Edit{
				{Line: 2, Column: 1, EndLine: 3, EndColumn: 1, New: ""},
				{Line: 3, Column: 5, EndLine: 3, EndColumn: 5, New: "apt-get update && "},
			}}},
		{Code: "DF301", Name: "long-run", Severity: lint.Info, File: "Dockerfile",
			Message: "RUN spans 2 lines", Line: 3, Column: 1, EndLine: 4, EndColumn: 32},
		{Code: "DF401", Name: "rm-style", Severity: lint.Style, File: "Dockerfile",
			Message: "continuation line is indented with a tab\r\nuse 4 spaces", Line: 4, Column: 5, EndLine: 4, EndColumn: 32},
		{Code: "DF501", Name: "relative-workdir", Severity: lint.Warning, File: "services/api/Dockerfile",
			Message: `WORKDIR "src" is relative, so it depends on the previous WORKDIR: use "/src"`,
			Line:    2, Column: 9, EndLine: 2, EndColumn: 12, Aliases: []string{"DL3000"}},
		{Code: "DF601", Name: "label-schema", Severity: lint.Info, File: "services/api/Dockerfile",
			Message: `label "version" is not an OCI key: use "org.opencontainers.image.version"`,
			Line:    3, Column: 26, EndLine: 3, EndColumn: 35},
	}
	lint.SortFindings(findings)
	return &Report{
		Tool: "shipshape", Version: "1.2.3", Findings: findings, Rules: rules, Files: 2,
		Sources: map[string][]string{
			"Dockerfile": {
				"FROM ubuntu:latest",
				"RUN apt-get update",
				"RUN apt-get install -y curl \\",
				"\t&& rm -rf /var/lib/apt/lists/*",
				"COPY . /app",
				"",
			},
			"services/api/Dockerfile": {
				"FROM golang:1.26 AS build",
				"WORKDIR src",
				`LABEL maintainer="José" version=1`,
				"",
			},
		},
	}
}

// empty is a clean run: every format must still produce a valid document.
func empty() *Report {
	r := fixture()
	r.Findings = nil
	r.Files = 1
	return r
}

func render(t *testing.T, format string, r *Report, o Options) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := Write(&buf, format, r, o); err != nil {
		t.Fatalf("writing %s: %v", format, err)
	}
	return buf.Bytes()
}

// golden compares got with testdata/name, or rewrites it under -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("reading golden (run go test -update): %v", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from golden (go test ./report -update to accept)\n--- got ---\n%s\n--- want ---\n%s", name, got, want)
	}
}

func TestFormats(t *testing.T) {
	want := []string{"checkstyle", "github", "gitlab", "json", "sarif", "text"}
	if got := Formats(); !reflect.DeepEqual(got, want) {
		t.Errorf("Formats() = %v, want %v", got, want)
	}
	if err := Write(&bytes.Buffer{}, "yaml", fixture(), Options{}); err == nil {
		t.Error("Write accepted an unknown format")
	}
}

// TestGolden pins every format's exact bytes for the fixture and a clean run.
func TestGolden(t *testing.T) {
	for _, format := range Formats() {
		t.Run(format, func(t *testing.T) {
			golden(t, format+".golden", render(t, format, fixture(), Options{}))
			golden(t, format+"-empty.golden", render(t, format, empty(), Options{}))
		})
	}
}

// TestConformance holds every writer to the same promises: same input, same
// bytes; no escape codes unless colour was asked for; a complete document
// even for a clean run.
func TestConformance(t *testing.T) {
	for _, format := range Formats() {
		t.Run(format, func(t *testing.T) {
			for _, r := range []*Report{fixture(), empty()} {
				a, b := render(t, format, r, Options{}), render(t, format, r, Options{})
				if !bytes.Equal(a, b) {
					t.Error("two renderings of one report differ")
				}
				if bytes.Contains(a, []byte("\x1b")) {
					t.Error("output without Color contains an escape byte")
				}
				if len(a) > 0 && a[len(a)-1] != '\n' {
					t.Error("output does not end with a newline")
				}
				if len(a) == 0 && len(r.Findings) > 0 {
					t.Error("no output for a report with findings")
				}
			}
		})
	}
}
