package shell

import (
	"strings"

	"mvdan.cc/sh/v3/syntax"
)

// PlainArgv returns the argument vector that `sh -c src` would execute when src is
// one simple command made only of constant words: no expansions, globs, brace or
// tilde expansion, redirections, assignments, operators, comments or backslashes.
// Such a command means the same written as a JSON array, which is what lets a
// shell-form CMD be rewritten in exec form without changing what runs.
func PlainArgv(src string) ([]string, bool) {
	if strings.ContainsAny(src, "\\\n") {
		return nil, false
	}
	f, err := syntax.NewParser(syntax.Variant(syntax.LangPOSIX), syntax.KeepComments(true)).Parse(strings.NewReader(src), "")
	if err != nil || len(f.Stmts) != 1 || len(f.Last) > 0 {
		return nil, false
	}
	st := f.Stmts[0]
	if len(st.Redirs) > 0 || len(st.Comments) > 0 || st.Background || st.Negated || st.Coprocess || st.Semicolon.IsValid() {
		return nil, false
	}
	call, ok := st.Cmd.(*syntax.CallExpr)
	if !ok || len(call.Assigns) > 0 || len(call.Args) == 0 {
		return nil, false
	}
	if name, ok := plainWord(call.Args[0]); !ok || shellBuiltins[name] {
		return nil, false
	}
	argv := make([]string, 0, len(call.Args))
	for _, w := range call.Args {
		s, ok := plainWord(w)
		if !ok {
			return nil, false
		}
		argv = append(argv, s)
	}
	return argv, true
}

// plainWord returns the value of a word built only from unquoted literals without
// pattern characters, single-quoted strings and double-quoted literals.
func plainWord(w *syntax.Word) (string, bool) {
	var b strings.Builder
	for i, part := range w.Parts {
		switch v := part.(type) {
		case *syntax.Lit:
			if strings.ContainsAny(v.Value, "*?[]{}$") || (i == 0 && strings.HasPrefix(v.Value, "~")) {
				return "", false
			}
			b.WriteString(v.Value)
		case *syntax.SglQuoted:
			if v.Dollar {
				return "", false
			}
			b.WriteString(v.Value)
		case *syntax.DblQuoted:
			if v.Dollar {
				return "", false
			}
			for _, q := range v.Parts {
				lit, ok := q.(*syntax.Lit)
				if !ok || strings.Contains(lit.Value, "$") {
					return "", false
				}
				b.WriteString(lit.Value)
			}
		default:
			return "", false
		}
	}
	return b.String(), true
}

// shellBuiltins have no executable of their own: outside a shell they cannot run.
var shellBuiltins = set(".", ":", "alias", "bg", "break", "builtin", "cd", "command", "continue",
	"declare", "eval", "exec", "exit", "export", "fg", "getopts", "hash", "jobs", "let", "local",
	"read", "readonly", "return", "set", "shift", "shopt", "source", "times", "trap", "type",
	"typeset", "ulimit", "umask", "unalias", "unset", "wait")
