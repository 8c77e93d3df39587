package shell

import (
	"strings"

	"mvdan.cc/sh/v3/syntax"
)

// TopLevel returns where the commands start that the shell itself runs one after
// the other in src: statements separated by newlines, `;` and `&&`, the left side
// of `||`, and the body of `{ … }`. Commands in subshells, pipelines, conditionals,
// loops, functions and command substitutions, after `||` or sent to the
// background are left out: a `cd` among them does not move the commands that
// follow. The positions are those of Script.Commands parsed from the same src
// and m; assignment-only statements (`X=1`) are not commands and are left out.
func TopLevel(src string, m Mapper) ([]Pos, error) {
	parser := parsers.Get().(*syntax.Parser)
	f, err := parser.Parse(strings.NewReader(src), "")
	parsers.Put(parser)
	if err != nil {
		return nil, err
	}
	w := walker{src: src, m: m}
	var out []Pos
	var top func(st *syntax.Stmt)
	top = func(st *syntax.Stmt) {
		if st == nil || st.Background || st.Coprocess {
			return
		}
		switch x := st.Cmd.(type) {
		case *syntax.CallExpr:
			if len(x.Args) > 0 {
				out = append(out, w.pos(st.Pos()))
			}
		case *syntax.DeclClause:
			out = append(out, w.pos(st.Pos()))
		case *syntax.BinaryCmd:
			switch x.Op {
			case syntax.AndStmt:
				top(x.X)
				top(x.Y)
			case syntax.OrStmt:
				top(x.X)
			}
		case *syntax.Block:
			for _, s := range x.Stmts {
				top(s)
			}
		}
	}
	for _, st := range f.Stmts {
		top(st)
	}
	return out, nil
}
