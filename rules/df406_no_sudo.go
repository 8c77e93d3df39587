package rules

import (
	"strings"

	"github.com/shipshape-dev/shipshape/dockerfile"
	"github.com/shipshape-dev/shipshape/lint"
	"github.com/shipshape-dev/shipshape/shell"
)

// NoSudo: P41.
var NoSudo = &lint.Rule{
	Code:  "DF406",
	Name:  "no-sudo",
	Title: "Switch users with USER, gosu or su-exec, not sudo",
	Rationale: "Build steps run as root unless a USER switched away, so sudo in a RUN does nothing but require " +
		"the sudo package and a sudoers entry in the image; switch with USER around the step instead. At run " +
		"time sudo's TTY and signal handling get in the way of PID 1, and a sudoers entry lets a compromised " +
		"user become root; step down with gosu or su-exec.",
	Severity: lint.Warning,
	Aliases:  []string{"DL3004"},
	Practice: []string{"P41"},
	Bad:      "FROM ubuntu:22.04\nRUN sudo apt-get update && sudo apt-get install -y --no-install-recommends curl && sudo rm -rf /var/lib/apt/lists/*\n",
	Good:     "FROM ubuntu:22.04\nRUN apt-get update && apt-get install -y --no-install-recommends curl && rm -rf /var/lib/apt/lists/*\n",
	Check: func(p *lint.Pass) {
		p.Scripts(func(in *dockerfile.Instruction, s *shell.Script) {
			for _, c := range s.Commands {
				if hasWrapper(c, "sudo") && sudoAvoidable(p, in) {
					start, end := wrapperRange(p, c, "sudo")
					p.Report(start, end, sudoMessage(in, c))
				}
			}
			if in.Stage == nil || !p.File.Ships(in.Stage) {
				return
			}
			for _, i := range s.Installs() {
				for _, w := range i.Packages {
					if shell.PackageName(i.Manager, w.Value) == "sudo" {
						p.ReportWord(w, "this installs `sudo` into the image: a compromised process running as a user in "+
							"sudoers can become root, and containers should not change user at run time; drop it, use "+
							"`USER root` around build steps that need root and gosu or su-exec in the entrypoint")
					}
				}
			}
		})
	},
}

func hasWrapper(c *shell.Command, name string) bool {
	for _, w := range c.Wrappers {
		if w == name {
			return true
		}
	}
	return false
}

// wrapperRange finds the word of a wrapper on the command's line; when it
// cannot, the range runs from the command's start to its program.
func wrapperRange(p *lint.Pass, c *shell.Command, name string) (dockerfile.Pos, dockerfile.Pos) {
	start := dockerfile.Pos(c.Pos)
	line := p.File.Line(start.Line)
	stop := len(line)
	if c.Prog.Pos.Line == start.Line && c.Prog.Pos.Col > start.Col {
		stop = c.Prog.Pos.Col - 1
	}
	if start.Col >= 1 && start.Col-1 <= stop && stop <= len(line) {
		seg := line[start.Col-1 : stop]
		for off := 0; off < len(seg); {
			i := strings.Index(seg[off:], name)
			if i < 0 {
				break
			}
			i += off
			before := i == 0 || seg[i-1] == ' ' || seg[i-1] == '\t' || seg[i-1] == '/' || seg[i-1] == '\'' || seg[i-1] == '"'
			after := i+len(name) == len(seg) || seg[i+len(name)] == ' ' || seg[i+len(name)] == '\t' || seg[i+len(name)] == '"'
			if before && after {
				s := dockerfile.Pos{Line: start.Line, Col: start.Col + i}
				return s, dockerfile.Pos{Line: start.Line, Col: s.Col + len(name)}
			}
			off = i + len(name)
		}
	}
	end := dockerfile.Pos(c.Prog.Pos)
	if end.Line == 0 || end.Before(start) {
		end = start
	}
	return start, end
}

// sudoAvoidable reports whether we know who the RUN runs as: a USER set in the
// file, or a base known to start as root. On any other base the image's own USER
// may be unprivileged and sudo the only way up, so nothing is said.
func sudoAvoidable(p *lint.Pass, in *dockerfile.Instruction) bool {
	if in.Stage == nil {
		return false
	}
	for _, x := range chainInstructions(in.Stage) {
		if x.Stage == in.Stage && x.Index >= in.Index {
			break
		}
		if x.Name == "user" {
			return true
		}
	}
	first := stageChain(in.Stage)[0]
	return baseResolved(p.File, first) && knownRoot(first.Base, rootImages)
}

// sudoMessage tells what to do instead, from the user the RUN runs as.
func sudoMessage(in *dockerfile.Instruction, c *shell.Command) string {
	what := "`sudo " + c.Name + "`"
	if c.Name == "" {
		what = "`sudo`"
	}
	user := ""
	if in.Stage != nil {
		for _, x := range chainInstructions(in.Stage) {
			if x.Stage == in.Stage && x.Index >= in.Index {
				break
			}
			if x.Name == "user" {
				user = strings.TrimSpace(userValue(x))
			}
		}
	}
	switch {
	case user == "" || userIsRoot(user):
		return what + ": this RUN already runs as root, so sudo only makes the image " +
			"carry the sudo package; drop it, and step down at run time with gosu or su-exec"
	default:
		return what + ": this RUN runs as `" + user + "`; instead of shipping sudo and a sudoers entry, put `USER root` " +
			"before the RUN and `USER " + user + "` after it, and step down at run time with gosu or su-exec"
	}
}
