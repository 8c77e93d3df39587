package dockerfile

import (
	"strings"
	"testing"
)

func mustParse(t *testing.T, src string) *File {
	t.Helper()
	f, _, err := Parse("Dockerfile", []byte(src))
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	return f
}

// The position of a word in the logical line must be its place in the file,
// across continuation lines, comments and blank lines inside the instruction.
func TestArgsPositionsAcrossContinuations(t *testing.T) {
	src := "FROM debian:12\n" +
		"RUN apt-get update \\\n" +
		"  # a comment inside the RUN\n" +
		"\n" +
		"\t&& apt-get install -y curl\n"
	f := mustParse(t, src)
	run := f.Instructions[1]
	if run.Range.Start != (Pos{2, 1}) || run.Range.End.Line != 5 {
		t.Fatalf("range = %v", run.Range)
	}
	i := strings.Index(run.Args.S, "curl")
	if got := run.Args.PosAt(i); got != (Pos{5, 24}) {
		t.Errorf("curl at %v, want 5:24", got)
	}
	if got := run.Args.PosAt(0); got != (Pos{2, 5}) {
		t.Errorf("args start at %v, want 2:5", got)
	}
}

func TestFlagsHaveRanges(t *testing.T) {
	f := mustParse(t, "FROM alpine:3.19\n  RUN --mount=type=cache,target=/var/cache/apk \\\n    --network=none apk add curl\n")
	run := f.Instructions[1]
	if run.Range.Start != (Pos{2, 3}) {
		t.Errorf("indented RUN starts at %v, want 2:3", run.Range.Start)
	}
	if len(run.Flags) != 2 {
		t.Fatalf("flags = %v", run.Flags)
	}
	if m := run.Flags[0]; m.Name != "mount" || m.Range.Start != (Pos{2, 7}) || m.Range.End != (Pos{2, 47}) {
		t.Errorf("mount flag = %+v", m)
	}
	if n := run.Flags[1]; n.Name != "network" || n.Value != "none" || n.Range.Start != (Pos{3, 5}) {
		t.Errorf("network flag = %+v", n)
	}
	if run.Args.S != "apk add curl" || run.Args.PosAt(0) != (Pos{3, 20}) {
		t.Errorf("args %q at %v", run.Args.S, run.Args.PosAt(0))
	}
	if ms := run.Mounts(); len(ms) != 1 || ms[0]["type"] != "cache" || ms[0]["target"] != "/var/cache/apk" {
		t.Errorf("mounts = %v", ms)
	}
}

func TestHeredocBodyPositions(t *testing.T) {
	src := "FROM alpine:3.19\nRUN <<EOF\nset -e\napk add curl\nEOF\nCOPY <<-CONF /etc/app.conf\n\tkey=value\n\tCONF\nUSER app\n"
	f := mustParse(t, src)
	run := f.Instructions[1]
	if len(run.Heredocs) != 1 || run.Range.End.Line != 5 {
		t.Fatalf("run = %+v", run)
	}
	h := run.Heredocs[0]
	if h.Start != (Pos{2, 5}) || h.Body.S != "set -e\napk add curl\n" {
		t.Errorf("heredoc start %v body %q", h.Start, h.Body.S)
	}
	if got := h.Body.PosAt(strings.Index(h.Body.S, "curl")); got != (Pos{4, 9}) {
		t.Errorf("curl at %v, want 4:9", got)
	}
	cp := f.Instructions[2]
	if len(cp.Heredocs) != 1 || !cp.Heredocs[0].Chomp || cp.Range.End.Line != 8 {
		t.Errorf("copy heredoc = %+v", cp.Heredocs)
	}
	if f.Instructions[3].Range.Start.Line != 9 {
		t.Errorf("USER after heredoc at line %d", f.Instructions[3].Range.Start.Line)
	}
}

func TestEscapeDirective(t *testing.T) {
	src := "# escape=`\nFROM mcr.microsoft.com/windows/servercore:ltsc2022\nRUN dir c:\\ `\n    && echo done\n"
	f := mustParse(t, src)
	if f.Escape != '`' || len(f.Directives) != 1 || f.Directives[0].Name != "escape" {
		t.Fatalf("escape %q directives %v", f.Escape, f.Directives)
	}
	run := f.Instructions[1]
	if run.Args.S != `dir c:\     && echo done` {
		t.Errorf("args = %q", run.Args.S)
	}
}

// An escaped backslash at the end of a line ends the instruction.
func TestEscapedBackslashEndsLine(t *testing.T) {
	f := mustParse(t, "FROM busybox:1.36\nRUN echo foo\\\\\nRUN echo bar\n")
	if len(f.Instructions) != 3 || f.Instructions[1].Range.End.Line != 2 {
		t.Fatalf("instructions = %d, first RUN ends at %v", len(f.Instructions), f.Instructions[1].Range.End)
	}
}

func TestStagesAndMetaArgs(t *testing.T) {
	src := "ARG GO=1.22\nARG BASE\nFROM golang:${GO} AS Build\nRUN go build\nFROM build AS test\nFROM ${BASE}\nCOPY --from=Build /app /app\n"
	f := mustParse(t, src)
	if len(f.MetaArgs) != 2 || len(f.Stages) != 3 {
		t.Fatalf("meta %d stages %d", len(f.MetaArgs), len(f.Stages))
	}
	if s := f.Stages[0]; s.Base != "golang:1.22" || s.Name != "build" {
		t.Errorf("stage 0 = %q %q", s.Base, s.Name)
	}
	if f.Stages[1].BaseStage != f.Stages[0] {
		t.Errorf("FROM build must refer to the stage")
	}
	if !f.Stages[2].IsFinal() || f.Stages[0].IsFinal() || f.Ships(f.Stages[0]) {
		t.Errorf("final stage / ships wrong")
	}
	if f.StageByRef("BUILD", 3) != f.Stages[0] || f.StageByRef("0", 3) != f.Stages[0] {
		t.Errorf("StageByRef")
	}
}

func TestOnbuild(t *testing.T) {
	f := mustParse(t, "FROM node:20\nONBUILD RUN --network=none npm ci\n")
	ob := f.Instructions[1].OnBuild
	if ob == nil || ob.Name != "run" || ob.Args.S != "npm ci" || len(ob.Flags) != 1 || ob.Args.PosAt(0) != (Pos{2, 28}) {
		t.Fatalf("onbuild = %+v", ob)
	}
}

func TestErrors(t *testing.T) {
	cases := map[string]struct {
		src  string
		line int
		msg  string
	}{
		"empty":               {"", 1, "no instructions"},
		"only comments":       {"# hello\n\n", 2, "no instructions"},
		"unknown instruction": {"FROM debian:12\nFOO bar\n", 2, "unknown instruction"},
		"unterminated":        {"FROM debian:12\nRUN <<EOF\necho\n", 2, "unterminated heredoc"},
		"no from":             {"RUN echo hi\n", 1, "before the first FROM"},
		"bad flag":            {"FROM debian:12\nCOPY --frm=x a b\n", 2, "unknown flag"},
	}
	for name, c := range cases {
		_, _, err := Parse("Dockerfile", []byte(c.src))
		e, ok := err.(*Error)
		if !ok {
			t.Errorf("%s: err = %v", name, err)
			continue
		}
		if e.Pos.Line != c.line || !strings.Contains(e.Msg, c.msg) {
			t.Errorf("%s: got %v, want line %d and %q", name, e, c.line, c.msg)
		}
	}
}

func TestCopyFromAndBuilders(t *testing.T) {
	f := mustParse(t, "FROM golang:1.22 AS build\nFROM build AS test\nFROM alpine:3.19\nCOPY --from=BUILD /a /a\nCOPY --from=nginx:1.25 /etc/nginx /etc/nginx\nCOPY --from=1 /b /b\n")
	final := f.FinalStage()
	if c := final.Instructions[0].CopyFrom(); c != f.Stages[0] {
		t.Errorf("--from=BUILD resolves to %v", c)
	}
	if c := final.Instructions[1].CopyFrom(); c != nil {
		t.Errorf("--from=image must not resolve to a stage")
	}
	if c := final.Instructions[2].CopyFrom(); c != f.Stages[1] {
		t.Errorf("--from=1 must resolve to stage 1")
	}
	if !f.Stages[0].IsBuilder() || !f.Stages[1].IsBuilder() || final.IsBuilder() {
		t.Errorf("builder stages wrong")
	}
}

// Keyword and flags split where BuildKit splits them: any of [\t\v\f\r ] after
// the keyword, and a `--` word ends the flags.
func TestKeywordAndFlagsSplitLikeBuildKit(t *testing.T) {
	f := mustParse(t, "FROM alpine\nRUN\f--network=none -- ls\nCOPY --chown=\"app:app\" a /b\n")
	run := f.Instructions[1]
	if run.Keyword != "RUN" || len(run.Flags) != 1 || run.Flags[0].Value != "none" {
		t.Fatalf("run = %q %+v", run.Keyword, run.Flags)
	}
	if run.Args.S != "ls" || run.Args.PosAt(0) != (Pos{2, 23}) {
		t.Errorf("args %q at %v, want ls at 2:23", run.Args.S, run.Args.PosAt(0))
	}
	cp := f.Instructions[2]
	if fl := cp.Flags[0]; fl.Value != "app:app" || fl.Range.Start != (Pos{3, 6}) || fl.Range.End != (Pos{3, 23}) {
		t.Errorf("chown flag = %+v", fl)
	}
}
