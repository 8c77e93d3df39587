package shell

import (
	"path"
	"strings"
	"sync"

	"mvdan.cc/sh/v3/syntax"
)

// Pos is a 1-based line and byte column in the Dockerfile.
type Pos struct {
	Line int `json:"line"`
	Col  int `json:"column"`
}

// Mapper maps a byte offset of the parsed text to its Dockerfile position.
type Mapper func(off int) Pos

// Script is the parsed shell code of one RUN (or one heredoc body).
type Script struct {
	// Commands lists every simple command in source order, including those inside
	// `sh -c '…'`, subshells, conditionals, loops and command substitutions.
	Commands []*Command
	// Pipes are the positions of `|` operators.
	Pipes []Pos

	installs     []*Install
	installsRead bool
}

// Command is one simple command after wrappers (sudo, env, nice, …) are peeled off.
type Command struct {
	Name     string // base name of the program, e.g. "apt-get"; "" when not a literal
	Prog     Word   // the program word as written
	Args     []Word // the arguments after the program
	Wrappers []string
	Assigns  []string // VAR=value prefixes
	Pos, End Pos
	// OnFailure is set when the command runs only after another one failed (right of `||`).
	OnFailure bool
	// Conditional is set when the command sits in an if/while/case body or after `||`.
	Conditional bool
	Background  bool
	Piped       bool
	// TopLevel is set when the shell itself runs the command in sequence: not in a
	// subshell, pipeline, conditional, loop, function, $(…), `sh -c` string, after
	// `||` or in the background; a `cd` here moves the commands that follow.
	TopLevel bool
	Index    int // position in Script.Commands
}

// Word is one shell word with its value (quotes removed) and place.
type Word struct {
	Value   string // unquoted value; expansions are kept as written, e.g. "${VERSION}"
	Literal bool   // no expansions: Value is exactly what the program receives
	Pos     Pos
	End     Pos
}

// Parse parses src as POSIX-ish (bash) shell code. m maps offsets of src to
// Dockerfile positions.
func Parse(src string, m Mapper) (*Script, error) {
	s := &Script{}
	if err := s.parse(src, m, 0); err != nil {
		return nil, err
	}
	for i, c := range s.Commands {
		c.Index = i
	}
	return s, nil
}

func (s *Script) parse(src string, m Mapper, depth int) error {
	parser := parsers.Get().(*syntax.Parser)
	f, err := parser.Parse(strings.NewReader(src), "")
	parsers.Put(parser)
	if err != nil {
		return err
	}
	w := walker{s: s, src: src, m: m, depth: depth}
	for _, st := range f.Stmts {
		w.stmt(st, ctx{})
	}
	return nil
}

// parsers are reused: a new mvdan parser allocates its buffers afresh, a
// measurable cost when every RUN of thousands of files is parsed.
var parsers = sync.Pool{New: func() any { return syntax.NewParser(syntax.Variant(syntax.LangBash)) }}

type ctx struct {
	onFailure, conditional, piped, nested bool
}

type walker struct {
	s     *Script
	src   string
	m     Mapper
	depth int
}

func (w *walker) pos(p syntax.Pos) Pos {
	if !p.IsValid() {
		return w.m(0)
	}
	return w.m(int(p.Offset()))
}

// end maps an end offset (one past the last byte) so that it stays on the line of
// that last byte: the byte after a word may be a continuation on the next line.
func (w *walker) end(p syntax.Pos) Pos {
	if !p.IsValid() || p.Offset() == 0 {
		return w.pos(p)
	}
	last := w.m(int(p.Offset()) - 1)
	last.Col++
	return last
}

func (w *walker) stmts(list []*syntax.Stmt, c ctx) {
	for _, st := range list {
		w.stmt(st, c)
	}
}

func (w *walker) stmt(st *syntax.Stmt, c ctx) {
	if st == nil {
		return
	}
	if st.Background || st.Coprocess {
		c.nested = true
	}
	switch x := st.Cmd.(type) {
	case *syntax.CallExpr:
		w.call(x, st, c)
	case *syntax.BinaryCmd:
		switch x.Op {
		case syntax.OrStmt:
			w.stmt(x.X, c)
			c.onFailure, c.conditional, c.nested = true, true, true
			w.stmt(x.Y, c)
		case syntax.Pipe, syntax.PipeAll:
			w.s.Pipes = append(w.s.Pipes, w.pos(x.OpPos))
			c.piped, c.nested = true, true
			w.stmt(x.X, c)
			w.stmt(x.Y, c)
		default:
			w.stmt(x.X, c)
			w.stmt(x.Y, c)
		}
	case *syntax.Subshell:
		c.nested = true
		w.stmts(x.Stmts, c)
	case *syntax.Block:
		w.stmts(x.Stmts, c)
	case *syntax.IfClause:
		c.nested = true
		w.stmts(x.Cond, c)
		c.conditional = true
		for e := x; e != nil; e = e.Else {
			if e != x {
				w.stmts(e.Cond, c)
			}
			w.stmts(e.Then, c)
		}
	case *syntax.WhileClause:
		c.nested = true
		w.stmts(x.Cond, c)
		c.conditional = true
		w.stmts(x.Do, c)
	case *syntax.ForClause:
		c.nested = true
		w.stmts(x.Do, c)
	case *syntax.CaseClause:
		c.conditional, c.nested = true, true
		for _, it := range x.Items {
			w.stmts(it.Stmts, c)
		}
	case *syntax.FuncDecl:
		w.stmt(x.Body, ctx{conditional: true, nested: true})
	case *syntax.TimeClause:
		w.stmt(x.Stmt, c)
	case *syntax.CoprocClause:
		c.nested = true
		w.stmt(x.Stmt, c)
	case *syntax.DeclClause:
		w.decl(x, st, c)
	}
}

func (w *walker) call(x *syntax.CallExpr, st *syntax.Stmt, c ctx) {
	// Commands inside $(…) run too.
	for _, a := range x.Args {
		syntax.Walk(a, func(n syntax.Node) bool {
			if cs, ok := n.(*syntax.CmdSubst); ok {
				inner := c
				inner.nested = true
				w.stmts(cs.Stmts, inner)
				return false
			}
			return true
		})
	}
	if len(x.Args) == 0 {
		return
	}
	words := make([]Word, len(x.Args))
	for i, a := range x.Args {
		words[i] = w.word(a)
	}
	cmd := w.newCommand(st, c)
	for _, as := range x.Assigns {
		cmd.Assigns = append(cmd.Assigns, w.src[as.Pos().Offset():as.End().Offset()])
	}
	words = peelWrappers(cmd, words)
	if len(words) == 0 {
		return
	}
	cmd.Prog, cmd.Args = words[0], words[1:]
	if words[0].Literal {
		cmd.Name = path.Base(words[0].Value)
	}
	w.s.Commands = append(w.s.Commands, cmd)

	// `sh -c 'script'`: the script's commands are commands of this RUN too.
	if w.depth < 4 && isShell(cmd.Name) {
		for i, a := range cmd.Args {
			if a.Value == "-c" && i+1 < len(cmd.Args) {
				inner := x.Args[len(x.Args)-len(cmd.Args)+i+1]
				w.nested(inner, c)
				break
			}
			if !strings.HasPrefix(a.Value, "-") {
				break
			}
		}
	}
}

// newCommand is a command at statement st in context c, its words still to come.
func (w *walker) newCommand(st *syntax.Stmt, c ctx) *Command {
	return &Command{
		Pos:         w.pos(st.Pos()),
		End:         w.end(st.End()),
		OnFailure:   c.onFailure,
		Conditional: c.conditional,
		Background:  st.Background,
		Piped:       c.piped,
		TopLevel:    !c.nested,
	}
}

// decl records `export A=1 B`, `declare`, `local` and `readonly` as commands whose
// arguments are the assignments as written (quotes removed from literal values).
func (w *walker) decl(x *syntax.DeclClause, st *syntax.Stmt, c ctx) {
	cmd := w.newCommand(st, c)
	cmd.Name = x.Variant.Value
	cmd.Prog = Word{Value: x.Variant.Value, Literal: true, Pos: w.pos(x.Variant.Pos()), End: w.end(x.Variant.End())}
	for _, a := range x.Args {
		arg := Word{Literal: true, Pos: w.pos(a.Pos()), End: w.end(a.End())}
		switch {
		case a.Name != nil && a.Value != nil:
			v := w.word(a.Value)
			arg.Value, arg.Literal = a.Name.Value+"="+v.Value, v.Literal
		case a.Name != nil && a.Naked:
			arg.Value = a.Name.Value
		default:
			arg.Value, arg.Literal = w.src[a.Pos().Offset():a.End().Offset()], false
		}
		cmd.Args = append(cmd.Args, arg)
	}
	w.s.Commands = append(w.s.Commands, cmd)
}

// nested parses the string argument of `sh -c` as a script of its own.
func (w *walker) nested(word *syntax.Word, c ctx) {
	val := w.word(word)
	if !val.Literal || len(word.Parts) != 1 {
		return
	}
	base := int(word.Pos().Offset())
	switch word.Parts[0].(type) {
	case *syntax.SglQuoted, *syntax.DblQuoted:
		base++
	}
	inner := &Script{}
	m := func(off int) Pos { return w.m(base + off) }
	if inner.parse(val.Value, m, w.depth+1) != nil {
		return
	}
	for _, ic := range inner.Commands {
		ic.OnFailure = ic.OnFailure || c.onFailure
		ic.Conditional = ic.Conditional || c.conditional
		ic.Wrappers = append([]string{"sh -c"}, ic.Wrappers...)
		ic.TopLevel = false
		w.s.Commands = append(w.s.Commands, ic)
	}
	w.s.Pipes = append(w.s.Pipes, inner.Pipes...)
}

func (w *walker) word(x *syntax.Word) Word {
	var b strings.Builder
	lit := true
	var part func(p syntax.WordPart, quoted bool)
	part = func(p syntax.WordPart, quoted bool) {
		switch v := p.(type) {
		case *syntax.Lit:
			if quoted {
				b.WriteString(v.Value)
			} else {
				b.WriteString(unescape(v.Value))
			}
		case *syntax.SglQuoted:
			b.WriteString(v.Value)
		case *syntax.DblQuoted:
			for _, q := range v.Parts {
				part(q, true)
			}
		default:
			lit = false
			b.WriteString(w.src[p.Pos().Offset():p.End().Offset()])
		}
	}
	for _, p := range x.Parts {
		part(p, false)
	}
	return Word{Value: b.String(), Literal: lit, Pos: w.pos(x.Pos()), End: w.end(x.End())}
}

func unescape(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+1 < len(s) {
			i++
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

func isShell(name string) bool {
	switch name {
	case "sh", "bash", "dash", "ash", "zsh", "ksh":
		return true
	}
	return false
}
