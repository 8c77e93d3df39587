package rules

import (
	"path"
	"strings"

	"github.com/shipshape-dev/shipshape/dockerfile"
	"github.com/shipshape-dev/shipshape/lint"
	"github.com/shipshape-dev/shipshape/shell"
)

// CdInRun: P63.
var CdInRun = &lint.Rule{
	Code:  "DF504",
	Name:  "cd-in-run",
	Title: "Set the working directory with WORKDIR, not a leading cd",
	Rationale: "A RUN that starts with `cd /app` moves only that one shell: the next RUN, COPY and CMD run in the " +
		"old directory again, which surprises whoever adds the next line. WORKDIR states where the stage works, " +
		"creates the directory if needed, and holds for every instruction after it. Only a RUN that opens with an " +
		"absolute `cd` is reported: a `cd` in a subshell, into a scratch directory the RUN deletes, or further into " +
		"a script (after `set -eux;`, say) is part of that RUN's own work.",
	Severity: lint.Warning,
	Aliases:  []string{"DL3003"},
	Practice: []string{"P63"},
	Bad:      "FROM node:20-slim\nCOPY . /usr/src/app\nRUN cd /usr/src/app && npm ci --omit=dev\nCMD [\"node\", \"/usr/src/app/server.js\"]\n",
	Good:     "FROM node:20-slim\nWORKDIR /usr/src/app\nCOPY . .\nRUN npm ci --omit=dev\nCMD [\"node\", \"server.js\"]\n",
	Check: lint.EachInstruction(func(p *lint.Pass, in *dockerfile.Instruction) {
		s := p.Script(in)
		if s == nil {
			return
		}
		c := hyLeadingCommand(runInstruction(in), s)
		if c == nil || !c.Is("cd") || len(c.Wrappers) > 0 {
			return
		}
		pos := c.Positionals()
		if len(pos) != 1 || !pos[0].Literal || !path.IsAbs(pos[0].Value) {
			return
		}
		dir := path.Clean(pos[0].Value)
		if hyScratchDir(dir) || cdDirRemovedAfter(s, c, dir) {
			return
		}
		wd := workdirAt(in)
		arg := shorten(pos[0].Value, 80)
		workdir := "WORKDIR " + arg
		if in.OnBuild != nil {
			workdir = "ONBUILD " + workdir
		}
		var msg string
		switch {
		case hyOnlyCds(s):
			msg = "`cd " + arg + "` is all this RUN does, and its effect ends with the RUN: write `" + workdir +
				"` to change the directory of the instructions that follow"
		case in.OnBuild == nil && wd.Known && wd.Dir == dir:
			msg = "`cd " + arg + "` is redundant: WORKDIR is already `" + wd.Dir + "`; drop it"
		default:
			msg = "`cd " + arg + "` only moves this RUN's shell: put `" + workdir + "` before the RUN " +
				"so that the instructions after it see the same directory (or, if only this RUN belongs there, " +
				"give the commands absolute paths)"
		}
		reportFromProg(p, c, pos[0], msg)
	}, "run", "onbuild"),
}

// hyLeadingCommand returns the first command the RUN's shell runs itself: nil
// when that is in a subshell, a pipeline, a conditional and the like. A RUN
// that starts with `set -eux; cd …` is a script with its own conventions (the
// docker-library style) and is not read as a leading cd. Only the shell-form
// command line and a RUN that is one heredoc (`RUN <<EOF`) are read.
func hyLeadingCommand(run *dockerfile.Instruction, s *shell.Script) *shell.Command {
	if run.JSON {
		return nil
	}
	text := run.Args
	switch {
	case len(run.Heredocs) == 1 && hyLoneHeredoc(run.Args.S):
		text = run.Heredocs[0].Body
	case len(run.Heredocs) > 0:
		return nil
	}
	start := text.PosAt(0)
	for _, c := range s.Commands {
		if c.TopLevel && !dockerfile.Pos(c.Pos).Before(start) {
			return c
		}
	}
	return nil
}

// hyLoneHeredoc reports whether a RUN's command line is a lone heredoc
// marker such as `<<EOF` or `<<-"EOT"`: the body is the whole script.
func hyLoneHeredoc(args string) bool {
	a := strings.TrimSpace(args)
	return strings.HasPrefix(a, "<<") && !strings.ContainsAny(a, " \t")
}

// hyScratchDir reports whether dir is a temporary location, where a cd is for
// the work of one RUN and not meant to last.
func hyScratchDir(dir string) bool {
	for _, t := range []string{"/tmp", "/var/tmp", "/dev/shm"} {
		if dir == t || strings.HasPrefix(dir, t+"/") {
			return true
		}
	}
	return false
}

// cdDirRemovedAfter reports whether a command after c deletes dir or a parent of
// it: the directory was a build area of this RUN.
func cdDirRemovedAfter(s *shell.Script, c *shell.Command, dir string) bool {
	for _, d := range s.Commands[c.Index+1:] {
		if d.Removes(dir) {
			return true
		}
	}
	return false
}

// hyOnlyCds reports whether every command of the script is a cd.
func hyOnlyCds(s *shell.Script) bool {
	for _, c := range s.Commands {
		if !c.Is("cd") {
			return false
		}
	}
	return true
}
