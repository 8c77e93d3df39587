package rules

import (
	"path"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	bkshell "github.com/moby/buildkit/frontend/dockerfile/shell"
	"github.com/shipshape-dev/shipshape/dockerfile"
	"github.com/shipshape-dev/shipshape/lint"
	"github.com/shipshape-dev/shipshape/shell"
)

// Helpers shared by the runtime rules (DF408–DF414): what the final image starts
// (its ENTRYPOINT and CMD read as shell code), the environment it carries, and
// the ports it exposes.

// rtChain returns the final stage and the stages it builds on, root first.
func rtChain(f *dockerfile.File) []*dockerfile.Stage {
	var chain []*dockerfile.Stage
	seen := map[*dockerfile.Stage]bool{}
	for s := f.FinalStage(); s != nil && !seen[s]; s = s.BaseStage {
		seen[s] = true
		chain = append([]*dockerfile.Stage{s}, chain...)
	}
	return chain
}

// rtShipping lists the instructions of the stages whose content reaches the final image.
func rtShipping(f *dockerfile.File) []*dockerfile.Instruction {
	var out []*dockerfile.Instruction
	for _, s := range rtChain(f) {
		out = append(out, s.Instructions...)
	}
	return out
}

// rtFinalProcess returns the ENTRYPOINT and CMD the final image runs, as far as
// this Dockerfile sets them (nil when unset or inherited from an outside image).
// Like BuildKit, an ENTRYPOINT clears a CMD inherited from an earlier stage but
// not one set in its own stage.
func rtFinalProcess(f *dockerfile.File) (ep, cmd *dockerfile.Instruction) {
	for _, s := range rtChain(f) {
		cmdSet := false
		for _, in := range s.Instructions {
			switch in.Name {
			case "cmd":
				cmd, cmdSet = in, true
			case "entrypoint":
				ep = in
				if !cmdSet {
					cmd = nil
				}
			}
		}
	}
	return ep, cmd
}

// rtRun is one CMD or ENTRYPOINT of the final image read as shell code.
type rtRun struct {
	In     *dockerfile.Instruction
	Script *shell.Script
	// Shell is set when a shell interprets the code: the shell form, or an exec
	// form starting `sh -c`.
	Shell bool
	// Commands are the commands the shell runs (for `["sh", "-c", "…"]`, the
	// commands of the script, not sh itself); for a plain exec form, the program.
	Commands []*shell.Command
}

// rtFinalRuns returns the final image's ENTRYPOINT and CMD (in that order) read as
// shell code; a CMD under a shell-form ENTRYPOINT is left out since it never runs.
func rtFinalRuns(p *lint.Pass) []*rtRun {
	ep, cmd := rtFinalProcess(p.File)
	var out []*rtRun
	if ep != nil {
		if r := rtReadRun(p, ep); r != nil {
			out = append(out, r)
		}
		if !ep.JSON {
			cmd = nil
		}
	}
	if cmd != nil {
		if r := rtReadRun(p, cmd); r != nil {
			out = append(out, r)
		}
	}
	return out
}

func rtReadRun(p *lint.Pass, in *dockerfile.Instruction) *rtRun {
	if len(in.Words) == 0 {
		return nil
	}
	if !in.JSON {
		if !p.PosixShell(in) {
			return nil
		}
		args := in.Args
		s, err := shell.Parse(args.S, func(off int) shell.Pos { return shell.Pos(args.PosAt(off)) })
		if err != nil {
			return nil
		}
		return &rtRun{In: in, Script: s, Shell: true, Commands: s.Commands}
	}
	s := rtExecScript(in)
	if s == nil || len(s.Commands) == 0 {
		return nil
	}
	r := &rtRun{In: in, Script: s, Commands: s.Commands[:1]}
	if rtIsShell(s.Commands[0].Name) && rtShellC(s.Commands[0]) {
		r.Shell = true
		r.Commands = nil
		for _, c := range s.Commands[1:] {
			if len(c.Wrappers) > 0 && c.Wrappers[0] == "sh -c" {
				r.Commands = append(r.Commands, c)
			}
		}
	}
	return r
}

// rtShellC reports whether a shell command runs a `-c` string (`sh -c`, `bash -ec`).
func rtShellC(c *shell.Command) bool {
	for _, a := range c.Args {
		v := a.Value
		if !strings.HasPrefix(v, "-") || strings.HasPrefix(v, "--") {
			return false
		}
		if strings.Contains(v, "c") {
			return true
		}
	}
	return false
}

func rtIsShell(name string) bool {
	switch name {
	case "sh", "bash", "dash", "ash", "zsh", "ksh":
		return true
	}
	return false
}

// rtJSONItem is one string of an exec-form array with the source offset of each
// of its decoded bytes; Offs[len(Value)] is the offset of the closing quote.
type rtJSONItem struct {
	Value string
	Open  int
	Offs  []int
}

// rtJSONItems reads the strings of a JSON array as written in s.
func rtJSONItems(s string) ([]rtJSONItem, bool) {
	var items []rtJSONItem
	for i := 0; i < len(s); i++ {
		if s[i] != '"' {
			continue
		}
		it := rtJSONItem{Open: i}
		var b []byte
		j := i + 1
		for ; j < len(s) && s[j] != '"'; j++ {
			start := j
			if s[j] != '\\' || j+1 >= len(s) {
				b = append(b, s[j])
				it.Offs = append(it.Offs, start)
				continue
			}
			j++
			var dec []byte
			switch s[j] {
			case 'n':
				dec = []byte{'\n'}
			case 't':
				dec = []byte{'\t'}
			case 'r':
				dec = []byte{'\r'}
			case 'b':
				dec = []byte{'\b'}
			case 'f':
				dec = []byte{'\f'}
			case 'u':
				if j+4 >= len(s) {
					return nil, false
				}
				n, err := strconv.ParseUint(s[j+1:j+5], 16, 32)
				if err != nil {
					return nil, false
				}
				dec = utf8.AppendRune(nil, rune(n))
				j += 4
			default:
				dec = []byte{s[j]}
			}
			for range dec {
				it.Offs = append(it.Offs, start)
			}
			b = append(b, dec...)
		}
		if j >= len(s) {
			return nil, false
		}
		it.Value = string(b)
		it.Offs = append(it.Offs, j)
		items = append(items, it)
		i = j
	}
	return items, true
}

// rtExecScript parses an exec-form instruction as one command whose words keep
// their exact places in the JSON array; for `["sh", "-c", "…"]` the commands of
// the script follow, placed inside the string too.
func rtExecScript(in *dockerfile.Instruction) *shell.Script {
	args := in.Args
	items, ok := rtJSONItems(args.S)
	if ok && len(items) == len(in.Words) {
		for i, it := range items {
			if it.Value != in.Words[i] {
				ok = false
			}
		}
	} else {
		ok = false
	}
	type seg struct {
		from, n int // where the quoted word starts in src, and its quoted content length
		item    rtJSONItem
		exact   bool
	}
	var segs []seg
	var b strings.Builder
	for i, w := range in.Words {
		if i > 0 {
			b.WriteByte(' ')
		}
		q := strings.ReplaceAll(w, "'", `'\''`)
		sg := seg{from: b.Len(), n: len(q), exact: q == w}
		if ok {
			sg.item = items[i]
		}
		segs = append(segs, sg)
		b.WriteString("'" + q + "'")
	}
	m := func(off int) shell.Pos {
		if !ok {
			return shell.Pos(args.PosAt(0))
		}
		i := sort.Search(len(segs), func(i int) bool { return segs[i].from > off }) - 1
		if i < 0 {
			i = 0
		}
		sg := segs[i]
		rel := off - sg.from
		last := len(sg.item.Value)
		var src int
		switch {
		case rel <= 0:
			src = sg.item.Open
		case rel <= sg.n:
			k := rel - 1
			if !sg.exact && k > last {
				k = last
			}
			src = sg.item.Offs[k]
		case rel == sg.n+1:
			src = sg.item.Offs[last]
		default:
			src = sg.item.Offs[last] + 1
		}
		return shell.Pos(args.PosAt(src))
	}
	s, err := shell.Parse(b.String(), m)
	if err != nil {
		return nil
	}
	return s
}

// rtEnv is the environment in force at some point of a stage: ENV of the stage
// and the stages it builds on, ARG of the stage with their defaults. It feeds
// BuildKit's own variable expansion.
type rtEnv struct {
	vals map[string]string
	keys []string
}

func (e *rtEnv) Get(k string) (string, bool) { v, ok := e.vals[k]; return v, ok }
func (e *rtEnv) Keys() []string              { return e.keys }

func (e *rtEnv) set(k, v string) {
	if _, ok := e.vals[k]; !ok {
		e.keys = append(e.keys, k)
	}
	e.vals[k] = v
}

// rtWalkEnv calls fn for every instruction of stage s with the variables in
// force just before it (ENV of s and the stages it builds on, ARGs of s with
// their defaults: a build may override those). env is live: read it during the
// call only. It returns the variables in force at the end of s.
func rtWalkEnv(f *dockerfile.File, s *dockerfile.Stage, fn func(in *dockerfile.Instruction, env *rtEnv)) *rtEnv {
	var chain []*dockerfile.Stage
	seen := map[*dockerfile.Stage]bool{}
	for t := s; t != nil && !seen[t]; t = t.BaseStage {
		seen[t] = true
		chain = append([]*dockerfile.Stage{t}, chain...)
	}
	envs := &rtEnv{vals: map[string]string{}}
	cur := envs
	lex := bkshell.NewLex(f.Escape)
	for _, t := range chain {
		// ARGs do not cross stages; ENV does, and wins over an ARG of the same name.
		cur = &rtEnv{vals: map[string]string{}}
		for _, k := range envs.keys {
			cur.set(k, envs.vals[k])
		}
		expand := func(v string) string {
			if r, err := lex.ProcessWordWithMatches(v, cur); err == nil {
				return r.Result
			}
			return v
		}
		for _, in := range t.Instructions {
			if t == s {
				fn(in, cur)
			}
			switch c := in.Command.(type) {
			case *instructions.EnvCommand:
				for _, kv := range c.Env {
					v := expand(kv.Value)
					envs.set(kv.Key, v)
					cur.set(kv.Key, v)
				}
			case *instructions.ArgCommand:
				for _, kv := range c.Args {
					if _, isEnv := envs.vals[kv.Key]; isEnv {
						continue
					}
					if kv.Value != nil {
						cur.set(kv.Key, expand(*kv.Value))
					} else if v, ok := rtMetaDefault(f, kv.Key); ok {
						cur.set(kv.Key, v)
					}
				}
			}
		}
	}
	return cur
}

// rtMetaDefault returns the default of a meta ARG (declared before the first FROM).
func rtMetaDefault(f *dockerfile.File, key string) (string, bool) {
	v, ok := "", false
	for _, in := range f.MetaArgs {
		if a, isArg := in.Command.(*instructions.ArgCommand); isArg {
			for _, kv := range a.Args {
				if kv.Key == key && kv.Value != nil {
					v, ok = *kv.Value, true
				}
			}
		}
	}
	return v, ok
}

// rtFinalEnv returns the environment the final image starts with, as far as this
// Dockerfile sets it with ENV.
func rtFinalEnv(f *dockerfile.File) *rtEnv {
	out := &rtEnv{vals: map[string]string{}}
	final := f.FinalStage()
	if final == nil {
		return out
	}
	isEnv := map[string]bool{}
	for _, in := range rtShipping(f) {
		if c, ok := in.Command.(*instructions.EnvCommand); ok {
			for _, kv := range c.Env {
				isEnv[kv.Key] = true
			}
		}
	}
	last := rtWalkEnv(f, final, func(*dockerfile.Instruction, *rtEnv) {})
	for _, k := range last.keys {
		if isEnv[k] {
			out.set(k, last.vals[k])
		}
	}
	return out
}

// rtToken is one whitespace-separated word of an instruction's arguments, with
// its byte offsets in Args.S.
type rtToken struct {
	Text       string
	From, Upto int
}

// rtTokens splits an instruction's arguments into words, keeping quoted spans together.
func rtTokens(in *dockerfile.Instruction) []rtToken {
	s := in.Args.S
	var out []rtToken
	i := 0
	for i < len(s) {
		for i < len(s) && (s[i] == ' ' || s[i] == '\t') {
			i++
		}
		if i >= len(s) {
			break
		}
		start := i
		var quote byte
		for ; i < len(s); i++ {
			c := s[i]
			if quote != 0 {
				if c == quote {
					quote = 0
				}
				continue
			}
			if c == '"' || c == '\'' {
				quote = c
				continue
			}
			if c == ' ' || c == '\t' {
				break
			}
		}
		out = append(out, rtToken{Text: s[start:i], From: start, Upto: i})
	}
	return out
}

// rtReportSpan reports on bytes [from, upto) of an instruction's arguments.
func rtReportSpan(p *lint.Pass, in *dockerfile.Instruction, from, upto int, msg string) *lint.Finding {
	start := in.Args.PosAt(from)
	end := in.Args.PosAt(upto - 1)
	end.Col++
	return p.Report(start, end, msg)
}

// rtPorts returns the ports an EXPOSE word stands for once BuildKit has expanded
// its variables with env; ok is false when a variable has no value this file can tell.
func rtPorts(f *dockerfile.File, env *rtEnv, tok rtToken) (ports []string, ok bool) {
	if !strings.ContainsAny(tok.Text, "$\"'\\`") {
		return []string{tok.Text}, true
	}
	r, err := bkshell.NewLex(f.Escape).ProcessWordWithMatches(tok.Text, env)
	if err != nil || len(r.Unmatched) > 0 {
		return nil, false
	}
	return strings.Fields(r.Result), true
}

// rtInstalled calls fn for every literal package word the shipping stages
// install, until fn returns true.
func rtInstalled(p *lint.Pass, fn func(in *dockerfile.Instruction, m shell.Manager, name string, w shell.Word) bool) {
	for _, in := range rtShipping(p.File) {
		s := p.Script(in)
		if s == nil {
			continue
		}
		for _, i := range s.Installs() {
			for _, w := range i.Packages {
				if !w.Literal {
					continue
				}
				if fn(in, i.Manager, shell.PackageName(i.Manager, w.Value), w) {
					return
				}
			}
		}
	}
}

// rtProgram returns the program a command really starts and its arguments,
// looking through `python -m x`, `poetry run x`, `uv run x` and the like; the
// word is where the program is named.
func rtProgram(c *shell.Command) (name string, w shell.Word, args []shell.Word) {
	name, w, args = c.Name, c.Prog, c.Args
	switch {
	case strings.HasPrefix(name, "python"):
		for i := 0; i+1 < len(args); i++ {
			v := args[i].Value
			if v == "-m" {
				return args[i+1].Value, args[i+1], args[i+2:]
			}
			if !strings.HasPrefix(v, "-") {
				break
			}
		}
	case name == "poetry" || name == "pipenv" || name == "uv" || name == "pdm" || name == "hatch" || name == "rye":
		for i := 0; i+1 < len(args); i++ {
			if args[i].Value == "run" {
				rest := args[i+1:]
				for len(rest) > 0 && strings.HasPrefix(rest[0].Value, "-") {
					rest = rest[1:]
				}
				if len(rest) > 0 {
					return path.Base(rest[0].Value), rest[0], rest[1:]
				}
			}
		}
	}
	return name, w, args
}

// rtWithin reports whether command d sits inside the text of command c (in its
// $(…) or its `sh -c` string).
func rtWithin(d, c *shell.Command) bool {
	ds, de := dockerfile.Pos(d.Pos), dockerfile.Pos(d.End)
	cs, ce := dockerfile.Pos(c.Pos), dockerfile.Pos(c.End)
	return d != c && !ds.Before(cs) && !ce.Before(de) && (cs != ds || ce != de)
}

// rtStatements drops the commands that run inside another one's $(…): what is left
// are the statements the shell itself runs one after another.
func rtStatements(cmds []*shell.Command) []*shell.Command {
	var out []*shell.Command
	for _, d := range cmds {
		inner := false
		for _, c := range cmds {
			if rtWithin(d, c) {
				inner = true
				break
			}
		}
		if !inner {
			out = append(out, d)
		}
	}
	return out
}
