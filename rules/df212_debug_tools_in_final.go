package rules

import (
	"path"
	"strings"

	"github.com/shipshape-dev/shipshape/dockerfile"
	"github.com/shipshape-dev/shipshape/lint"
	"github.com/shipshape-dev/shipshape/shell"
)

// DebugToolsInFinal: P17.
var DebugToolsInFinal = &lint.Rule{
	Code:  "DF212",
	Name:  "debug-tools-in-final",
	Title: "Leave editors and debug tools out of the image",
	Rationale: "Editors and debugging tools (vim, nano, strace, gdb, tcpdump, …) are rarely used in a running " +
		"container, yet every copy of the image carries them, and they hand an intruder a ready toolkit. " +
		"`docker debug`, `kubectl debug` and ephemeral debug containers bring tools to a container when " +
		"they are needed. Only stages that ship are checked; development-container Dockerfiles, images whose " +
		"ENTRYPOINT or CMD runs the tool itself, and pagers such as less (psql and git use them) are left alone.",
	Severity: lint.Info,
	Practice: []string{"P17"},
	Bad:      "FROM debian:12-slim\nRUN apt-get update && apt-get install -y --no-install-recommends curl vim && rm -rf /var/lib/apt/lists/*\n",
	Good:     "FROM debian:12-slim\nRUN apt-get update && apt-get install -y --no-install-recommends curl && rm -rf /var/lib/apt/lists/*\n",
	Check: func(p *lint.Pass) {
		if isDevContainer(p.File) {
			return
		}
		prog := finalProgram(p.File)
		for _, s := range shippingStages(p.File) {
			for _, in := range s.Instructions {
				checkDebugTools(p, in, prog)
			}
		}
	},
}

// debugTools maps editor and debugging packages to what they cost, when that is notable.
var debugTools = map[string]string{
	"vim": "20–40 MB with its runtime files", "vim-nox": "20–40 MB with its runtime files",
	"vim-enhanced": "20–40 MB with its runtime files", "vim-tiny": "", "nano": "",
	"emacs": "well over 100 MB", "emacs-nox": "about 100 MB", "joe": "", "mc": "",
	"strace": "", "ltrace": "", "gdb": "tens of MB with its Python runtime",
	"valgrind": "around 100 MB", "tcpdump": "", "telnet": "", "htop": "", "net-tools": "", "lsof": "",
}

// toolBinary names the program a debug package provides, where it differs.
var toolBinary = map[string]string{
	"vim-nox": "vim", "vim-enhanced": "vim", "vim-tiny": "vi", "emacs-nox": "emacs", "net-tools": "netstat",
}

func checkDebugTools(p *lint.Pass, in *dockerfile.Instruction, prog string) {
	sc := p.Script(in)
	if sc == nil {
		return
	}
	for _, i := range sc.Installs() {
		if !systemManager(i.Manager) || i.Cmd.OnFailure {
			continue
		}
		for _, w := range i.Packages {
			if !w.Literal {
				continue
			}
			name := shell.PackageName(i.Manager, w.Value)
			size, ok := debugTools[name]
			if !ok || removedLater(sc, i, name) {
				continue
			}
			// The tool is what the image runs (an htop or strace image).
			if bin := toolBinary[name]; prog != "" && (prog == name || prog == bin) {
				continue
			}
			what := "`" + name + "` is installed in the image that ships"
			if size != "" {
				what += " (" + size + ")"
			}
			reportOnWord(p, w, what+": editors and debug tools are rarely used in a running container and give an "+
				"intruder a ready toolkit; leave it out and bring tools when needed with `docker debug` or an ephemeral "+
				"debug container (`kubectl debug`), or install it only in a separate debug stage")
		}
	}
}

// finalProgram returns the base name of the program the final image runs: the
// first word of its ENTRYPOINT, else of its CMD; for `sh -c "…"` the first
// word of the script. "" when there is none.
func finalProgram(f *dockerfile.File) string {
	var ep, cmd *dockerfile.Instruction
	for _, s := range shippingStages(f) {
		for _, in := range s.Instructions {
			switch in.Name {
			case "entrypoint":
				ep, cmd = in, nil // ENTRYPOINT resets an inherited CMD
			case "cmd":
				cmd = in
			}
		}
	}
	in := ep
	if in == nil {
		in = cmd
	}
	if in == nil {
		return ""
	}
	words := in.Words
	if !in.JSON {
		words = strings.Fields(in.Args.S)
	}
	for len(words) > 0 {
		name := path.Base(words[0])
		switch name {
		case "sh", "bash", "ash", "dash":
			if len(words) > 2 && words[1] == "-c" {
				words = strings.Fields(words[2])
				continue
			}
		case "exec", "tini", "dumb-init", "--":
			words = words[1:]
			continue
		case "gosu", "su-exec":
			if len(words) > 2 {
				words = words[2:]
				continue
			}
		}
		return name
	}
	return ""
}
