package buildctx_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/shipshape-dev/shipshape/buildctx"
	"github.com/shipshape-dev/shipshape/dockerfile"
	"github.com/shipshape-dev/shipshape/lint"
)

const multiStage = `FROM node:22 AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci

FROM deps AS build
COPY . .
RUN npm run build

FROM nginx:1.27 AS web
COPY nginx.conf /etc/nginx/nginx.conf
COPY --from=build /app/dist /usr/share/nginx/html

FROM golang:1.23 AS tools
RUN --mount=type=bind,source=tools,target=/src go build -C /src -o /out/tool .

FROM alpine:3.20
COPY --from=tools /out/tool /usr/local/bin/tool
RUN --mount=type=bind,from=web,source=/etc/nginx,target=/n cp /n/nginx.conf /etc/
`

func loadInvalidation(t *testing.T) []buildctx.Invalidation {
	t.Helper()
	dir := t.TempDir()
	files := map[string]string{
		"Dockerfile":        multiStage,
		".dockerignore":     "node_modules\n",
		"package.json":      `{"name":"web"}`,
		"package-lock.json": `{"lockfileVersion":3}`,
		"src/main.js":       strings.Repeat("j", 1000),
		"nginx.conf":        "events {}\n",
		"tools/main.go":     "package main\n",
		"node_modules/x.js": strings.Repeat("n", 5000),
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
	f, _, err := dockerfile.Parse("Dockerfile", []byte(multiStage))
	if err != nil {
		t.Fatal(err)
	}
	return buildctx.Invalidations(buildctx.NewResolver(c), lint.BuildStages(f))
}

func lines(refs []buildctx.StepRef) string {
	var b []string
	for _, r := range refs {
		b = append(b, fmt.Sprint(r.Line))
	}
	return strings.Join(b, " ")
}

// TestInvalidations: a change under each context-reading step rebuilds the
// rest of its stage, the stages built FROM it and the stages copying or
// mounting from those, from the reading step on, and nothing else.
func TestInvalidations(t *testing.T) {
	invs := loadInvalidation(t)
	want := []struct {
		line         int
		files        int
		bytes        int64
		invalidates  string
		runs         string
		resolvedFrom string
	}{
		// the manifests: npm ci, the whole build stage, then web from its COPY --from,
		// and the final stage from its RUN that mounts web
		{3, 2, int64(len(`{"name":"web"}`) + len(`{"lockfileVersion":3}`)), "4 7 8 12 19", "4 8 19", "package.json package-lock.json"},
		// COPY . . sends everything but node_modules
		{7, 7, int64(len(multiStage) + len("node_modules\n") + len(`{"name":"web"}`) + len(`{"lockfileVersion":3}`) + 1000 + len("events {}\n") + len("package main\n")), "8 12 19", "8 19", "."},
		{11, 1, int64(len("events {}\n")), "12 19", "19", "nginx.conf"},
		// a bind mount of the context is read like a COPY; the mount itself is the step
		{15, 1, int64(len("package main\n")), "18 19", "19", "tools"},
	}
	if len(invs) != len(want) {
		for _, inv := range invs {
			t.Logf("%+v", inv.Step)
		}
		t.Fatalf("%d invalidations, want %d", len(invs), len(want))
	}
	for i, w := range want {
		inv := invs[i]
		var srcs []string
		for _, s := range inv.Sources {
			srcs = append(srcs, s.Source)
		}
		got := fmt.Sprintf("line %d: %d files, %d bytes, invalidates %q, runs %q, sources %q",
			inv.Step.Line, inv.Files, inv.Bytes, lines(inv.Invalidates), lines(inv.Runs()), strings.Join(srcs, " "))
		exp := fmt.Sprintf("line %d: %d files, %d bytes, invalidates %q, runs %q, sources %q",
			w.line, w.files, w.bytes, w.invalidates, w.runs, w.resolvedFrom)
		if got != exp {
			t.Errorf("\n got %s\nwant %s", got, exp)
		}
	}
}

// TestAffectedStructure checks the propagation on a hand-made build: a stage
// that reads nothing changed keeps its cache, and a stage reading a changed
// one is rebuilt from the reading step on.
func TestAffectedStructure(t *testing.T) {
	step := func(line int, name string, reads ...int) buildctx.Step {
		return buildctx.Step{Line: line, Name: name, Reads: reads}
	}
	stages := []buildctx.BuildStage{
		{Base: -1, Steps: []buildctx.Step{step(2, "copy"), step(3, "run")}},
		{Base: -1, Steps: []buildctx.Step{step(5, "run"), step(6, "run")}},
		{Base: 1, Steps: []buildctx.Step{step(8, "run"), step(9, "copy", 0), step(10, "run")}},
		{Base: 2, Steps: []buildctx.Step{step(12, "cmd")}},
		{Base: -1, Steps: []buildctx.Step{step(14, "copy", 1)}},
	}
	for _, tc := range []struct {
		stage, from int
		want        string
	}{
		{0, 1, "3 9 10 12"},
		{0, 2, "9 10 12"}, // the end of stage 0: its result still changes
		{1, 0, "5 6 8 9 10 12 14"},
		{2, 2, "10 12"},
		{4, 0, "14"},
		{4, 1, ""},
		{7, 0, ""},
	} {
		if got := lines(buildctx.Affected(stages, tc.stage, tc.from)); got != tc.want {
			t.Errorf("Affected(%d, %d) = %q, want %q", tc.stage, tc.from, got, tc.want)
		}
	}
	// without a resolver the map still says what is rebuilt
	invs := buildctx.Invalidations(nil, []buildctx.BuildStage{{Base: -1, Steps: []buildctx.Step{
		{Line: 2, Name: "copy", Sources: []string{"."}}, {Line: 3, Name: "run"},
	}}})
	if len(invs) != 1 || invs[0].Files != 0 || lines(invs[0].Runs()) != "3" {
		t.Errorf("without a resolver: %+v", invs)
	}
}
