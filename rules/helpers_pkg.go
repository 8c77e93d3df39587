package rules

import (
	"path"
	"strings"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/shipshape-dev/shipshape/dockerfile"
	"github.com/shipshape-dev/shipshape/lint"
	"github.com/shipshape-dev/shipshape/shell"
)

// Helpers shared by the package-manager rules (DF202–DF222, DF505).

// runInstruction returns the RUN itself, or the RUN an ONBUILD wraps.
func runInstruction(in *dockerfile.Instruction) *dockerfile.Instruction {
	if in.OnBuild != nil {
		return in.OnBuild
	}
	return in
}

// stageShips reports whether what the instruction writes reaches the final image.
func stageShips(p *lint.Pass, in *dockerfile.Instruction) bool {
	return in.Stage != nil && p.File.Ships(in.Stage)
}

// cacheMountCovers reports whether a cache or tmpfs mount of the RUN holds one of
// dirs: the mount target is the dir or a parent of it. A dir starting with "~/"
// stands for that path under any home. A target built from a variable counts,
// since where it points cannot be told.
func cacheMountCovers(in *dockerfile.Instruction, dirs ...string) bool {
	return mountMatches(in, func(t string) bool {
		for _, d := range dirs {
			if pathCovers(t, d) {
				return true
			}
		}
		return false
	})
}

// mountMatches reports whether a cache or tmpfs mount of the RUN has a target
// for which match holds (or a target with a variable in it).
func mountMatches(in *dockerfile.Instruction, match func(target string) bool) bool {
	for _, m := range runInstruction(in).Mounts() {
		if typ := strings.ToLower(m["type"]); typ != "cache" && typ != "tmpfs" {
			continue
		}
		t := m["target"]
		if strings.Contains(t, "$") {
			return true
		}
		if t != "" && match(homePath(path.Clean(t))) {
			return true
		}
	}
	return false
}

// pathCovers reports whether p is dir or a parent of it (both cleaned; "~" is any home).
func pathCovers(p, dir string) bool {
	return p != "/" && (p == dir || strings.HasPrefix(dir, p+"/"))
}

// homePath writes /root/… and /home/<user>/… as ~/….
func homePath(p string) string {
	switch {
	case p == "/root" || strings.HasPrefix(p, "/root/"):
		return "~" + strings.TrimPrefix(p, "/root")
	case strings.HasPrefix(p, "/home/"):
		rest := strings.TrimPrefix(p, "/home/")
		if i := strings.Index(rest, "/"); i > 0 {
			return "~" + rest[i:]
		}
	}
	return p
}

// cleanedAfter returns the first command after c that satisfies done and runs
// whenever c ran: not only after a failure (right of `||`), and not inside a
// branch or loop that c is outside of.
func cleanedAfter(s *shell.Script, c *shell.Command, done func(*shell.Command) bool) *shell.Command {
	for _, d := range s.Commands[c.Index+1:] {
		if d.OnFailure && !c.OnFailure {
			continue
		}
		if d.Conditional && !c.Conditional {
			continue
		}
		if done(d) {
			return d
		}
	}
	return nil
}

// laterRunDoing returns the first RUN after in, in the same stage, with a
// command for which done holds, and that command.
func laterRunDoing(p *lint.Pass, in *dockerfile.Instruction, done func(*shell.Command) bool) (*dockerfile.Instruction, *shell.Command) {
	if in.Stage == nil {
		return nil, nil
	}
	for _, x := range in.Stage.Instructions {
		if x.Index <= in.Index {
			continue
		}
		s := p.Script(x)
		if s == nil {
			continue
		}
		for _, c := range s.Commands {
			if done(c) {
				return x, c
			}
		}
	}
	return nil, nil
}

// verbWord returns the word of an install's subcommand ("install" in
// `apt-get -y install curl`), or the program word when there is none (`yarn`).
func verbWord(i *shell.Install) shell.Word {
	args := i.Cmd.Args
	if k := len(args) - len(i.Options) - 1; k >= 0 && k < len(args) && args[k].Value == i.Verb {
		return args[k]
	}
	for _, a := range args {
		if a.Value == i.Verb {
			return a
		}
	}
	return i.Cmd.Prog
}

// subcommandWord returns the first argument equal to sub.
func subcommandWord(c *shell.Command, sub string) shell.Word {
	for _, a := range c.Args {
		if a.Value == sub {
			return a
		}
	}
	return c.Prog
}

// reportFromProg reports from the program word to the word w (`apt-get install`).
func reportFromProg(p *lint.Pass, c *shell.Command, w shell.Word, msg string) *lint.Finding {
	end, ok := wordEnd(p, w)
	if !ok {
		end = dockerfile.Pos(w.End)
	}
	start := dockerfile.Pos(c.Prog.Pos)
	if end.Before(start) || end.Line != start.Line {
		start = dockerfile.Pos(w.Pos)
	}
	return p.Report(start, end, msg)
}

// reportOnWord reports on one word.
func reportOnWord(p *lint.Pass, w shell.Word, msg string) *lint.Finding {
	if end, ok := wordEnd(p, w); ok {
		return p.Report(dockerfile.Pos(w.Pos), end, msg)
	}
	return p.ReportWord(w, msg)
}

// wordSource returns the text of w exactly as it stands in the Dockerfile, when
// the word sits on one line at its recorded place; ok is false otherwise (exec
// form, words inside `sh -c "…"` with escapes, words split by line continuations).
func wordSource(p *lint.Pass, w shell.Word) (string, bool) {
	line := p.File.Line(w.Pos.Line)
	from := w.Pos.Col - 1
	if from < 0 || from >= len(line) {
		return "", false
	}
	if w.Literal && strings.HasPrefix(line[from:], w.Value) {
		return w.Value, true
	}
	if w.End.Line == w.Pos.Line && w.End.Col-1 <= len(line) && w.End.Col-1 > from {
		return line[from : w.End.Col-1], true
	}
	return "", false
}

// wordEnd returns the position just past the last byte of w.
func wordEnd(p *lint.Pass, w shell.Word) (dockerfile.Pos, bool) {
	src, ok := wordSource(p, w)
	if !ok {
		return dockerfile.Pos{}, false
	}
	return dockerfile.Pos{Line: w.Pos.Line, Col: w.Pos.Col + len(src)}, true
}

// insertAfter builds a fix inserting text right after the literal word w, or
// returns nil when the word's place in the Dockerfile is not exactly known.
func insertAfter(p *lint.Pass, in *dockerfile.Instruction, w shell.Word, text, desc string) *lint.Fix {
	if runInstruction(in).JSON || !w.Literal {
		return nil
	}
	src, ok := wordSource(p, w)
	if !ok || src != w.Value {
		return nil
	}
	at := dockerfile.Pos{Line: w.Pos.Line, Col: w.Pos.Col + len(src)}
	return &lint.Fix{Description: desc, Edits: []lint.Edit{{Line: at.Line, Column: at.Col, EndLine: at.Line, EndColumn: at.Col, New: text}}}
}

// instructionsBefore lists what runs before in: every instruction of the stages
// its stage builds on, then those of its own stage up to in.
func instructionsBefore(in *dockerfile.Instruction) []*dockerfile.Instruction {
	if in.Stage == nil {
		return nil
	}
	var chain []*dockerfile.Stage
	seen := map[*dockerfile.Stage]bool{}
	for s := in.Stage; s != nil && !seen[s]; s = s.BaseStage {
		seen[s] = true
		chain = append([]*dockerfile.Stage{s}, chain...)
	}
	var out []*dockerfile.Instruction
	for _, s := range chain {
		for _, x := range s.Instructions {
			if s == in.Stage && x.Index >= in.Index {
				break
			}
			out = append(out, x)
		}
	}
	return out
}

// envInForce reports whether ENV or ARG declares key for in (in its stage or the
// stages it builds on), and the last value given ("" for an ARG without default).
func envInForce(in *dockerfile.Instruction, key string) (string, bool) {
	val, ok := "", false
	for _, x := range instructionsBefore(in) {
		switch c := x.Command.(type) {
		case *instructions.EnvCommand:
			for _, kv := range c.Env {
				if kv.Key == key {
					val, ok = kv.Value, true
				}
			}
		case *instructions.ArgCommand:
			for _, kv := range c.Args {
				if kv.Key == key {
					val, ok = "", true
					if kv.Value != nil {
						val = *kv.Value
					}
				}
			}
		}
	}
	return val, ok
}

// assignedFor reports whether the command's own assignments (`A=1 cmd`,
// `env A=1 cmd`) or an `export` / `declare -x` in the same RUN set one of keys.
func assignedFor(s *shell.Script, c *shell.Command, keys ...string) bool {
	is := func(name string) bool {
		for _, key := range keys {
			if name == key {
				return true
			}
		}
		return false
	}
	for _, a := range c.Assigns {
		if k, _, _ := strings.Cut(a, "="); is(k) {
			return true
		}
	}
	if s == nil {
		return false
	}
	for _, d := range s.Commands {
		if !d.Is("export", "declare", "typeset") {
			continue
		}
		exports := d.Name == "export"
		var names []string
		for _, a := range d.Args {
			if strings.HasPrefix(a.Value, "-") {
				exports = exports || strings.Contains(a.Value, "x")
				continue
			}
			name, _, _ := strings.Cut(a.Value, "=")
			names = append(names, name)
		}
		for _, n := range names {
			if exports && is(n) {
				return true
			}
		}
	}
	return false
}

// inEnv reports whether ENV, ARG, the command's own assignments or an
// `export` in the RUN set one of keys.
func inEnv(in *dockerfile.Instruction, s *shell.Script, c *shell.Command, keys ...string) bool {
	for _, k := range keys {
		if _, ok := envInForce(in, k); ok {
			return true
		}
	}
	return assignedFor(s, c, keys...)
}

// configuredBefore reports whether the image may carry a setting before in runs:
// a RUN up to in (in included) mentions one of keys in a command word or a
// heredoc body (`echo 'APT::Install-Recommends "0";' > /etc/apt/apt.conf.d/…`),
// or a COPY/ADD writes under one of dirs. Keys compare without case, so they
// must be specific enough not to match a flag quoted in an echo.
func configuredBefore(p *lint.Pass, in *dockerfile.Instruction, keys, dirs []string) bool {
	mentions := func(s string) bool {
		s = strings.ToLower(s)
		for _, k := range keys {
			if strings.Contains(s, strings.ToLower(k)) {
				return true
			}
		}
		return false
	}
	for _, x := range append(instructionsBefore(in), in) {
		switch {
		case runInstruction(x).Name == "run":
			for _, h := range runInstruction(x).Heredocs {
				if mentions(h.Content) {
					return true
				}
			}
			s := p.Script(x)
			if s == nil {
				continue
			}
			for _, c := range s.Commands {
				for _, a := range c.Args {
					if mentions(a.Value) {
						return true
					}
				}
			}
		case runInstruction(x).Is("copy", "add"):
			words := runInstruction(x).Words
			if len(words) < 2 {
				continue
			}
			dest := homePath(path.Clean(words[len(words)-1]))
			for _, d := range dirs {
				if pathCovers(dest, d) || pathCovers(d, dest) {
					return true
				}
			}
		}
	}
	return false
}

// aptOption reports whether `-o key=value` sets key (no case) to one of values.
func aptOption(c *shell.Command, key string, values ...string) bool {
	for _, kv := range c.FlagValues("-o", "--option") {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || !strings.EqualFold(strings.TrimSpace(k), key) {
			continue
		}
		v = strings.ToLower(strings.Trim(strings.TrimSpace(v), `"'`))
		for _, want := range values {
			if v == want {
				return true
			}
		}
	}
	return false
}

// isApt reports whether c is apt-get or apt (not aptitude, whose flags differ).
func isApt(c *shell.Command) bool { return c.Is("apt-get", "apt") }

// aptValueFlags are apt-get's options whose value is the next word.
var aptValueFlags = []string{"-o", "--option", "-c", "--config-file", "-t", "--target-release", "--default-release"}

// dnfValueFlags are dnf/yum's options whose value is the next word.
var dnfValueFlags = []string{"-c", "--config", "-d", "--debuglevel", "-e", "--errorlevel", "-x", "--exclude", "--enablerepo", "--disablerepo", "--releasever", "--installroot", "--setopt", "--repo", "--repoid", "--forcearch", "--downloaddir", "--destdir"}

// zypperValueFlags are zypper's global options whose value is the next word.
var zypperValueFlags = []string{"-r", "--repo", "--from", "-t", "--type", "-c", "--config", "-R", "--root", "-D", "--reposd-dir", "-C", "--cache-dir", "--raw-cache-dir", "--solv-cache-dir", "--pkg-cache-dir", "--installroot"}

// apkValueFlags are apk's options whose value is the next word.
var apkValueFlags = []string{"-X", "--repository", "-p", "--root", "--arch", "--cache-dir", "--keys-dir", "--repositories-file", "-t", "--virtual"}

// managerName is the program as written, for messages: "apt-get", "python3 -m pip".
func managerName(i *shell.Install) string {
	c := i.Cmd
	switch {
	case i.Manager == shell.Pip && !strings.HasPrefix(c.Name, "pip"):
		return c.Name + " -m pip"
	case c.Name == "":
		return string(i.Manager)
	}
	return c.Name
}
