package rules

import (
	"path"
	"strings"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/shipshape-dev/shipshape/dockerfile"
	"github.com/shipshape-dev/shipshape/lint"
)

// WorkdirAbsolute: P63, P67.
var WorkdirAbsolute = &lint.Rule{
	Code:  "DF507",
	Name:  "workdir-absolute",
	Title: "Give WORKDIR an absolute path",
	Rationale: "A relative WORKDIR is joined to the directory in force before it, which may be set many lines up, " +
		"in an earlier stage, or by the base image, where it can change with the next tag. `WORKDIR /srv/app` " +
		"says where the stage works without making the reader retrace every earlier WORKDIR. " +
		"`docker build --check` warns about this too (WorkdirRelativePath).",
	Severity: lint.Error,
	Fixable:  true,
	Aliases:  []string{"DL3000"},
	Practice: []string{"P63", "P67"},
	Bad:      "FROM python:3.12-slim\nWORKDIR app\nCOPY . .\nCMD [\"python\", \"main.py\"]\n",
	Good:     "FROM python:3.12-slim\nWORKDIR /app\nCOPY . .\nCMD [\"python\", \"main.py\"]\n",
	Check: lint.EachInstruction(func(p *lint.Pass, in *dockerfile.Instruction) {
		c, ok := in.Command.(*instructions.WorkdirCommand)
		if !ok || workdirIsAbsolute(c.Path) {
			return
		}
		start, end, exact := workdirPathSpan(p, in, c.Path)
		rel := hyUnquote(c.Path)
		q := shorten(rel, 60)
		wd := workdirAt(in)
		switch {
		case wd.Known && strings.HasPrefix(wd.Dir, "/"):
			abs := shorten(path.Join(wd.Dir, rel), 80)
			f := p.Report(start, end, "`WORKDIR "+q+"` is relative: it resolves against the WORKDIR before it, "+
				"giving `"+abs+"`; write `WORKDIR "+abs+"` so that the directory can be read off this line")
			if exact && !strings.ContainsAny(abs, " \t\"'…") {
				f.Fix = &lint.Fix{Description: "write the absolute path " + abs, Edits: []lint.Edit{{
					Line: start.Line, Column: start.Col, EndLine: end.Line, EndColumn: end.Col, New: abs,
				}}}
			}
		case wd.Known && wd.Dir == "":
			p.Report(start, end, "`WORKDIR "+q+"` is relative: it resolves against the base image's working "+
				"directory, which this file does not set and a new tag may change; write the absolute path, e.g. "+
				"`WORKDIR "+shorten(path.Join("/", rel), 80)+"`")
		default:
			prev := hyUnquote(previousWorkdir(in))
			msg := "`WORKDIR " + q + "` is relative: it resolves against the WORKDIR before it (`" + shorten(prev, 60) +
				"`), so this line does not say where the stage works; write the absolute path"
			if workdirIsAbsolute(prev) && !strings.Contains(rel, "..") {
				sep := "/"
				if strings.Contains(prev, `\`) {
					sep = `\`
				}
				msg += ", e.g. `WORKDIR " + shorten(strings.TrimRight(prev, `/\`)+sep+strings.TrimPrefix(rel, "./"), 80) + "`"
			}
			p.Report(start, end, msg)
		}
	}, "workdir"),
}

// workdirIsAbsolute reports whether a WORKDIR path does not depend on the one
// before it: it starts with `/`, a Windows drive or `\`, or with a variable
// (which may well hold an absolute path).
func workdirIsAbsolute(p string) bool {
	p = strings.Trim(p, `"'`)
	if p == "" || strings.HasPrefix(p, "/") || strings.HasPrefix(p, `\`) || strings.HasPrefix(p, "$") {
		return true
	}
	return len(p) >= 2 && p[1] == ':' && (p[0]|0x20 >= 'a' && p[0]|0x20 <= 'z')
}

// workdirPathSpan returns where the WORKDIR's path is written; exact is set when
// it stands there as BuildKit read it, on one line, so it can be replaced.
func workdirPathSpan(p *lint.Pass, in *dockerfile.Instruction, want string) (start, end dockerfile.Pos, exact bool) {
	raw := strings.TrimRight(in.Args.S, " \t")
	start = in.Args.PosAt(0)
	if raw == "" {
		k := hyKeywordOf(p, in, false)
		return k.Start, k.End, false
	}
	last := in.Args.PosAt(len(raw) - 1)
	end = dockerfile.Pos{Line: last.Line, Col: last.Col + 1}
	if end.Line != start.Line {
		return start, end, false
	}
	line := p.File.Line(start.Line)
	from := start.Col - 1
	exact = raw == want && from >= 0 && from+len(raw) <= len(line) && line[from:from+len(raw)] == raw
	return start, end, exact
}

// previousWorkdir returns the path of the last WORKDIR before in, as written.
func previousWorkdir(in *dockerfile.Instruction) string {
	prev := ""
	for _, x := range instructionsBefore(in) {
		if w, ok := x.Command.(*instructions.WorkdirCommand); ok {
			prev = w.Path
		}
	}
	return prev
}
