package lint

import (
	"github.com/shipshape-dev/shipshape/dockerfile"
	"github.com/shipshape-dev/shipshape/shell"
)

// The three levels at which a rule can look at a Dockerfile: one instruction at a
// time, one shell command at a time, or the whole file with its own state (a plain
// Check func, which may do its end-of-file work after its loop).

// EachInstruction builds a Check that calls fn for every instruction named in
// names (all when names is empty), inside ONBUILD too when onbuild is set.
func EachInstruction(fn func(p *Pass, in *dockerfile.Instruction), names ...string) func(*Pass) {
	return func(p *Pass) {
		for _, in := range p.File.Instructions {
			if len(names) == 0 || in.Is(names...) {
				fn(p, in)
			}
		}
	}
}

// EachCommand builds a Check that calls fn for every simple command of every RUN.
func EachCommand(fn func(p *Pass, in *dockerfile.Instruction, s *shell.Script, c *shell.Command)) func(*Pass) {
	return func(p *Pass) {
		p.Scripts(func(in *dockerfile.Instruction, s *shell.Script) {
			for _, c := range s.Commands {
				fn(p, in, s, c)
			}
		})
	}
}

// EachInstall builds a Check that calls fn for every package install of every RUN.
func EachInstall(fn func(p *Pass, in *dockerfile.Instruction, s *shell.Script, i *shell.Install)) func(*Pass) {
	return func(p *Pass) {
		p.Scripts(func(in *dockerfile.Instruction, s *shell.Script) {
			for _, i := range s.Installs() {
				fn(p, in, s, i)
			}
		})
	}
}
