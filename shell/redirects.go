package shell

import (
	"strings"

	"mvdan.cc/sh/v3/syntax"
)

// Redirect is an output redirection of standard output to a file: `> f`, `>> f`,
// `>| f`, `&> f`, `&>> f`, or `1> f`.
type Redirect struct {
	Op     string // as written, e.g. ">>"
	Target Word   // the file written
	// Stmt is where the redirected command starts: the Pos of the Command that
	// Parse returns for it, which tells what writes (echo, printf, cat, …).
	Stmt Pos
	// Input is the here-document or here-string feeding the same command
	// (`cat <<EOF > f`), with expansions as written; "" when there is none.
	Input string
}

// Redirects parses src as Parse does and returns its redirections of standard
// output to files, those inside `sh -c '…'` and $(…) included, in source order.
func Redirects(src string, m Mapper) ([]Redirect, error) {
	var out []Redirect
	if err := redirects(src, m, 0, &out); err != nil {
		return nil, err
	}
	return out, nil
}

func redirects(src string, m Mapper, depth int, out *[]Redirect) error {
	f, err := syntax.NewParser(syntax.Variant(syntax.LangBash)).Parse(strings.NewReader(src), "")
	if err != nil {
		return err
	}
	w := walker{s: &Script{}, src: src, m: m, depth: depth}
	syntax.Walk(f, func(n syntax.Node) bool {
		st, ok := n.(*syntax.Stmt)
		if !ok {
			return true
		}
		input := ""
		for _, r := range st.Redirs {
			switch {
			case (r.Op == syntax.Hdoc || r.Op == syntax.DashHdoc) && r.Hdoc != nil:
				input = hdocText(src, r.Hdoc)
			case r.Op == syntax.WordHdoc && r.Word != nil:
				input = w.word(r.Word).Value
			}
		}
		for _, r := range st.Redirs {
			if !writesStdout(r) {
				continue
			}
			*out = append(*out, Redirect{Op: r.Op.String(), Target: w.word(r.Word), Stmt: w.pos(st.Pos()), Input: input})
		}
		if call, ok := st.Cmd.(*syntax.CallExpr); ok && depth < 4 {
			if inner, base := shellScriptArg(&w, call); inner != nil {
				shift := func(off int) Pos { return m(base + off) }
				_ = redirects(w.word(inner).Value, shift, depth+1, out)
			}
		}
		return true
	})
	return nil
}

func writesStdout(r *syntax.Redirect) bool {
	if r.Word == nil {
		return false
	}
	switch r.Op {
	case syntax.RdrOut, syntax.AppOut, syntax.ClbOut:
		return r.N == nil || r.N.Value == "1"
	case syntax.RdrAll, syntax.AppAll:
		return true
	}
	return false
}

// shellScriptArg returns the literal script of `sh -c 'script'` (after wrappers)
// and the offset of its first byte in the source, or nil.
func shellScriptArg(w *walker, call *syntax.CallExpr) (*syntax.Word, int) {
	words := make([]Word, len(call.Args))
	for i, a := range call.Args {
		words[i] = w.word(a)
	}
	cmd := &Command{}
	rest := peelWrappers(cmd, words)
	if len(rest) == 0 || !rest[0].Literal || !isShell(baseName(rest[0].Value)) {
		return nil, 0
	}
	args := rest[1:]
	for i, a := range args {
		if a.Value == "-c" && i+1 < len(args) {
			word := call.Args[len(call.Args)-len(args)+i+1]
			if !w.word(word).Literal || len(word.Parts) != 1 {
				return nil, 0
			}
			base := int(word.Pos().Offset())
			switch word.Parts[0].(type) {
			case *syntax.SglQuoted, *syntax.DblQuoted:
				base++
			}
			return word, base
		}
		if !strings.HasPrefix(a.Value, "-") {
			break
		}
	}
	return nil, 0
}

func baseName(p string) string {
	if i := strings.LastIndex(p, "/"); i >= 0 {
		return p[i+1:]
	}
	return p
}

// hdocText is a here-document body as written. Literal parts are taken from the
// parser's values: the end offset it gives the last one runs over the delimiter.
func hdocText(src string, w *syntax.Word) string {
	var b strings.Builder
	for _, p := range w.Parts {
		if lit, ok := p.(*syntax.Lit); ok {
			b.WriteString(lit.Value)
			continue
		}
		b.WriteString(src[p.Pos().Offset():p.End().Offset()])
	}
	return b.String()
}
