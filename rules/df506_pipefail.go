package rules

import (
	"path"
	"sort"
	"strings"

	"github.com/shipshape-dev/shipshape/dockerfile"
	"github.com/shipshape-dev/shipshape/lint"
	"github.com/shipshape-dev/shipshape/shell"
)

// Pipefail: P65.
var Pipefail = &lint.Rule{
	Code:  "DF506",
	Name:  "pipefail",
	Title: "Set pipefail before piping in a RUN",
	Rationale: "A pipeline's exit status is that of its last command: in `curl -fsSL $URL | tar -xz`, a failed " +
		"download is only noticed if tar happens to fail too, and in `curl … | sh` it never is. Without " +
		"`pipefail` the RUN succeeds and the build goes on with a broken layer. Set it with " +
		"`SHELL [\"/bin/bash\", \"-o\", \"pipefail\", \"-c\"]`, or with `set -o pipefail` where /bin/sh supports it " +
		"(busybox and bash do; Debian's dash does not). Pipelines where pipefail changes nothing are left alone: " +
		"`echo … | sha256sum -c`, a last command that fails on empty input anyway (grep, checksum checks, patch), " +
		"and list-building heads such as find and ldd that exit non-zero for routine partial results.",
	Severity: lint.Warning,
	Aliases:  []string{"DL4006"},
	Practice: []string{"P65"},
	Bad: "FROM debian:12-slim\nRUN apt-get update && apt-get install -y --no-install-recommends ca-certificates curl \\\n" +
		" && rm -rf /var/lib/apt/lists/*\nRUN curl -fsSL https://deb.nodesource.com/setup_20.x | bash -\n",
	Good: "FROM debian:12-slim\nSHELL [\"/bin/bash\", \"-o\", \"pipefail\", \"-c\"]\n" +
		"RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates curl \\\n" +
		" && rm -rf /var/lib/apt/lists/*\nRUN curl -fsSL https://deb.nodesource.com/setup_20.x | bash -\n",
	Check: lint.EachInstruction(func(p *lint.Pass, in *dockerfile.Instruction) {
		if in.JSON {
			return
		}
		s := p.Script(in)
		if s == nil || len(s.Pipes) == 0 {
			return
		}
		// A lone heredoc with a #! line is run as a file by that interpreter:
		// SHELL does not apply to it.
		shebang := len(in.Heredocs) == 1 && hyLoneHeredoc(in.Args.S) && strings.HasPrefix(in.Heredocs[0].Content, "#!")
		if on, _ := hyPipefail(p.Shell(in)); on && !shebang {
			return
		}
		pipes := append([]shell.Pos(nil), s.Pipes...)
		sort.Slice(pipes, func(i, j int) bool { return hyBefore(pipes[i], pipes[j]) })
		continued := map[shell.Pos]bool{}
		for _, at := range pipes {
			if continued[at] {
				continue // a later pipe of a pipeline already looked at
			}
			end, rest := pipelineEnd(s, pipes, at)
			for _, q := range rest {
				continued[q] = true
			}
			if pipefailSetAt(s, at) {
				continue
			}
			l, r := pipeSides(s, at)
			if l != nil && l.Is(pipefailNeedless...) || failsOnEmptyInput(end) {
				continue
			}
			left := pipeCommandName(l, "the command before `|`")
			right := pipeCommandName(r, "the command after `|`")
			last := "`" + right + "`"
			if end != r {
				last = "its last command, `" + pipeCommandName(end, "…") + "`"
			}
			msg := "`" + left + " | " + right + "` runs without pipefail: the pipeline's status is that of " + last +
				", so if `" + left + "` fails the RUN can still succeed and the build goes on with a broken layer; " +
				pipefailAdvice(p, in, shebang)
			start := dockerfile.Pos(at)
			p.Report(start, dockerfile.Pos{Line: start.Line, Col: start.Col + 1}, msg)
			return
		}
	}, "run"),
}

// hyBefore reports whether position a comes strictly before b.
func hyBefore(a, b shell.Pos) bool { return a.Line < b.Line || a.Line == b.Line && a.Col < b.Col }

// pipefailSetAt reports whether pipefail is on at the pipe: the last `set`
// before it that names pipefail turned it on, or the pipe is inside the `-c`
// script of a shell started with `-o pipefail`.
func pipefailSetAt(s *shell.Script, at shell.Pos) bool {
	on := false
	var sets []*shell.Command
	for _, c := range s.Commands {
		switch {
		case c.Is("set") && hyBefore(c.Pos, at):
			sets = append(sets, c)
		case c.Is("sh", "bash", "ash", "ksh", "zsh") && hyBefore(c.Pos, at) && hyBefore(at, c.End):
			if yes, _ := hyPipefail(append([]string{c.Name}, wordValues(c.Args)...)); yes {
				return true
			}
		}
	}
	sort.SliceStable(sets, func(i, j int) bool { return hyBefore(sets[i].Pos, sets[j].Pos) })
	for _, c := range sets {
		yes, no := hyPipefail(append([]string{"set"}, wordValues(c.Args)...))
		if yes {
			on = true
		}
		if no {
			on = false
		}
	}
	return on
}

// pipefailNeedless are the commands at the head of a pipeline for which
// pipefail would catch nothing useful. echo and printf only fail if the reader
// has gone, and `yes` is always ended by SIGPIPE, so `yes | cmd` fails under
// pipefail. find, ldd, scanelf, ls, dpkg-query and apt-mark feed lists to
// filters and exit non-zero for routine partial results (an unreadable
// directory, a static binary, a file no package owns): the docker-library
// `find … -exec ldd … | awk … | xargs -r apt-mark manual` idiom would break
// under pipefail, not gain from it.
var pipefailNeedless = []string{"echo", "printf", "yes", "true", ":",
	"find", "ldd", "scanelf", "ls", "dpkg-query", "apt-mark"}

// failsOnEmptyInput reports whether a pipeline's last command fails when what
// comes down the pipe is empty, as it is when the command feeding it failed:
// `grep` (without -v), checksum checks (`sha256sum -c`), `patch` ("only
// garbage was found") and `apt-key add` ("no valid OpenPGP data"). The failure
// then shows without pipefail.
func failsOnEmptyInput(c *shell.Command) bool {
	switch {
	case c == nil:
		return false
	case c.Is("grep", "egrep", "fgrep"):
		return !c.HasFlag("v", "invert-match")
	case c.Is("sha1sum", "sha224sum", "sha256sum", "sha384sum", "sha512sum", "md5sum", "b2sum", "shasum", "cksum"):
		return c.HasFlag("c", "check")
	case c.Is("patch"):
		return true
	case c.Is("apt-key"):
		return c.Subcommand() == "add"
	}
	return false
}

// pipelineEnd returns the last command of the pipeline that starts with the
// pipe at, and the later pipes of that pipeline.
func pipelineEnd(s *shell.Script, pipes []shell.Pos, at shell.Pos) (*shell.Command, []shell.Pos) {
	_, r := pipeSides(s, at)
	var rest []shell.Pos
	for r != nil && len(rest) < len(pipes) {
		next := false
		for _, q := range pipes {
			if !hyBefore(at, q) {
				continue
			}
			if l, rr := pipeSides(s, q); l == r {
				at, r, next = q, rr, true
				rest = append(rest, q)
				break
			}
		}
		if !next {
			break
		}
	}
	return r, rest
}

// pipeSides returns the commands either side of the pipe at.
func pipeSides(s *shell.Script, at shell.Pos) (left, right *shell.Command) {
	var l, r *shell.Command
	for _, c := range s.Commands {
		if !c.Piped {
			continue
		}
		if hyBefore(c.Pos, at) && !hyBefore(at, c.End) {
			if l == nil || hyBefore(l.End, c.End) || l.End == c.End && hyBefore(c.Pos, l.Pos) {
				l = c // the outermost command ending last before the pipe
			}
		}
		if hyBefore(at, c.Pos) && (r == nil || hyBefore(c.Pos, r.Pos)) {
			r = c
		}
	}
	return l, r
}

func pipeCommandName(c *shell.Command, unknown string) string {
	if c == nil || c.Name == "" {
		return unknown
	}
	var words []string
	for _, w := range c.Wrappers {
		if !strings.Contains(w, " ") { // not the `sh -c` a nested script runs under
			words = append(words, w)
		}
	}
	name := strings.Join(append(words, path.Base(c.Prog.Value)), " ")
	if len(c.Args) > 0 {
		name += " …"
	}
	return name
}

// pipefailAdvice says how to turn pipefail on for this RUN, given its shell and
// its base image.
func pipefailAdvice(p *lint.Pass, in *dockerfile.Instruction, shebang bool) string {
	const bashShell = "`SHELL [\"/bin/bash\", \"-o\", \"pipefail\", \"-c\"]`"
	set := "start the RUN with `set -o pipefail &&`"
	if len(in.Heredocs) > 0 && hyLoneHeredoc(in.Args.S) {
		set = "add `set -o pipefail` as the script's first command"
	}
	if shebang {
		return "the script runs under its `#!` line, not SHELL: add `set -o pipefail` at its top " +
			"(with `#!/bin/bash` where /bin/sh is dash)"
	}
	sh := p.Shell(in)
	switch strings.ToLower(path.Base(strings.ReplaceAll(sh[0], `\`, "/"))) {
	case "bash":
		return "add `-o pipefail` to the SHELL: " + bashShell + ", or " + set
	case "dash":
		return "dash has no pipefail option: use " + bashShell + " instead"
	case "sh":
	default:
		return set
	}
	switch hyShFamilyOf(p.File, in.Stage) {
	case hyShDash:
		return "add " + bashShell + " before this RUN (/bin/sh on Debian and Ubuntu is dash, which has no " +
			"pipefail option)"
	case hyShBusybox:
		return set + " (busybox sh supports it, and bash is not installed by default)"
	case hyShBash:
		return set + " (/bin/sh is bash on this base), or add " + bashShell + " before it"
	}
	return "add " + bashShell + " before this RUN, or " + set + " where /bin/sh supports it " +
		"(busybox and bash do; Debian's dash does not)"
}
