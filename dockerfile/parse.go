package dockerfile

import (
	"bytes"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/moby/buildkit/frontend/dockerfile/linter"
	"github.com/moby/buildkit/frontend/dockerfile/parser"
	bkshell "github.com/moby/buildkit/frontend/dockerfile/shell"
)

// Error is a Dockerfile that `docker build` would reject, with the place and reason.
type Error struct {
	File string
	Pos  Pos
	Msg  string
}

func (e *Error) Error() string {
	return fmt.Sprintf("%s:%d:%d: %s", e.File, e.Pos.Line, e.Pos.Col, e.Msg)
}

// BuildKitCheck is a warning BuildKit's own linter (`docker build --check`) raised while parsing.
type BuildKitCheck struct {
	Rule    string
	Message string
	Line    int
}

var directiveRe = regexp.MustCompile(`^#[ \t]*([a-zA-Z][a-zA-Z0-9]*)[ \t]*=[ \t]*(.+?)[ \t]*$`)

// Parse parses src, read from the file called name. It accepts exactly what
// BuildKit's parser and instruction parser accept, `# check=error=true`
// included; anything else is returned as an *Error. Checks BuildKit makes only
// while converting to LLB (stage references, EXPOSE ranges, mount options, …)
// are not repeated here: rules report the common ones (see oracle_test.go).
func Parse(name string, src []byte) (*File, []BuildKitCheck, error) {
	src = bytes.TrimPrefix(src, []byte("\xef\xbb\xbf"))
	f := &File{Name: name, Escape: '\\'}
	text := strings.ReplaceAll(string(src), "\r\n", "\n")
	f.Lines = strings.Split(strings.TrimSuffix(text, "\n"), "\n")

	// The `# check=` directive configures BuildKit's lint rules; with
	// error=true their warnings fail the build.
	checkOpts, _, checkLoc, _ := parser.ParseDirective("check", src)
	checkAt := []parser.Range{{Start: parser.Position{Line: 1}, End: parser.Position{Line: 1}}}
	if len(checkLoc) > 0 {
		checkAt = checkLoc
	}
	lintCfg, err := linter.ParseLintOptions(checkOpts)
	if err != nil {
		return nil, nil, f.wrapErr(&unlocated{err: fmt.Errorf("failed to parse check options: %w", err), at: checkAt})
	}
	var checks []BuildKitCheck
	lintCfg.Warn = func(rule, _, _, msg string, loc []parser.Range) {
		line := 0
		if len(loc) > 0 {
			line = loc[0].Start.Line
		}
		checks = append(checks, BuildKitCheck{Rule: rule, Message: msg, Line: line})
	}
	lint := linter.New(lintCfg)

	res, err := parser.Parse(bytes.NewReader(src))
	if err != nil {
		return nil, nil, f.wrapErr(err)
	}
	f.Escape = res.EscapeToken
	f.scanDirectivesAndComments()
	for _, w := range res.Warnings {
		if w.URL == linter.RuleNoEmptyContinuation.URL && w.Location != nil {
			lint.Run(&linter.RuleNoEmptyContinuation, []parser.Range{*w.Location}, linter.RuleNoEmptyContinuation.Format())
		}
	}

	var stage *Stage
	for _, node := range res.AST.Children {
		in, err := f.newInstruction(node)
		if err != nil {
			return nil, nil, err
		}
		typed, err := instructions.ParseInstructionWithLinter(node, lint)
		if err != nil {
			return nil, nil, f.wrapErr(err)
		}
		in.Index = len(f.Instructions)
		f.Instructions = append(f.Instructions, in)
		switch c := typed.(type) {
		case *instructions.Stage:
			stage = f.newStage(in, c)
			in.Stage = stage
		case instructions.Command:
			in.Command = c
			if stage == nil {
				if !strings.EqualFold(node.Value, "arg") {
					return nil, nil, &Error{File: name, Pos: Pos{Line: node.StartLine, Col: firstNonSpaceCol(f.Line(node.StartLine))}, Msg: fmt.Sprintf("%s before the first FROM: only ARG may come before FROM", strings.ToUpper(node.Value))}
				}
				f.MetaArgs = append(f.MetaArgs, in)
				continue
			}
			in.Stage = stage
			stage.Instructions = append(stage.Instructions, in)
		}
	}
	if len(f.Stages) == 0 {
		pos := Pos{Line: 1, Col: 1}
		if n := len(f.Instructions); n > 0 {
			pos = f.Instructions[n-1].Range.Start
		}
		return nil, nil, &Error{File: name, Pos: pos, Msg: "no FROM instruction: a Dockerfile needs at least one stage"}
	}
	if err := lint.Error(); err != nil {
		return nil, nil, f.wrapErr(&unlocated{err: err, at: checkAt})
	}
	return f, checks, nil
}

// wrapErr turns a BuildKit error into an *Error at the line BuildKit reports:
// the first line of all the locations the error collected on its way up.
func (f *File) wrapErr(err error) error {
	line := 0
	var le *parser.LocationError
	var un *unlocated
	if errors.As(err, &le) {
		for _, loc := range le.Locations {
			for _, r := range loc {
				if r.Start.Line > 0 && (line == 0 || r.Start.Line < line) {
					line = r.Start.Line
				}
			}
		}
	}
	if line == 0 && errors.As(err, &un) && len(un.at) > 0 {
		line = un.at[0].Start.Line
	}
	pos := Pos{Line: 1, Col: 1}
	if line > 0 {
		pos = Pos{Line: line, Col: firstNonSpaceCol(f.Line(line))}
	}
	msg := err.Error()
	if le != nil && le.Unwrap() != nil {
		msg = le.Unwrap().Error()
	}
	if msg == "file with no instructions" {
		msg = "the file has no instructions (it is empty or only comments): a Dockerfile starts with FROM"
	}
	return &Error{File: f.Name, Pos: pos, Msg: msg}
}

func firstNonSpaceCol(s string) int {
	return len(s) - len(strings.TrimLeftFunc(s, unicode.IsSpace)) + 1
}

// continuation reports whether line ends with the escape token (trailing blanks
// allowed) that is not itself escaped, as BuildKit's continuation pattern does,
// and returns the line without it. A byte scan: BuildKit's regexp dominates
// parse time on long lines and we need not pay for it twice.
func continuation(line string, esc rune) (string, bool) {
	t := strings.TrimRight(line, " \t")
	e := string(esc)
	if !strings.HasSuffix(t, e) {
		return line, false
	}
	body := t[:len(t)-len(e)]
	if body != "" && strings.HasSuffix(body, e) {
		return line, false
	}
	return body, true
}

func isCommentLine(s string) bool {
	return strings.HasPrefix(strings.TrimLeftFunc(s, unicode.IsSpace), "#")
}

// scanDirectivesAndComments records the parser directives at the top and every
// comment line outside instructions' heredoc bodies.
func (f *File) scanDirectivesAndComments() {
	inDirectives := true
	for i, l := range f.Lines {
		t := strings.TrimSpace(l)
		if inDirectives {
			if m := directiveRe.FindStringSubmatch(t); m != nil {
				f.Directives = append(f.Directives, Directive{Name: strings.ToLower(m[1]), Value: m[2], Line: i + 1})
				continue
			}
			inDirectives = false
		}
		if strings.HasPrefix(t, "#") {
			f.Comments = append(f.Comments, Comment{Line: i + 1, Col: firstNonSpaceCol(l), Text: strings.TrimSpace(t[1:])})
		}
	}
}

// newInstruction rebuilds the logical line of node from the raw lines exactly as
// BuildKit joins them, keeping the position of every byte.
func (f *File) newInstruction(node *parser.Node) (*Instruction, error) {
	var tb textBuilder
	line := node.StartLine
	for first := true; line <= len(f.Lines); line++ {
		raw := strings.TrimRight(f.Line(line), "\r")
		col := 1
		if first {
			col = firstNonSpaceCol(raw)
			raw = raw[col-1:]
		} else if isCommentLine(raw) || strings.TrimSpace(raw) == "" {
			continue
		}
		raw, more := continuation(raw, f.Escape)
		tb.add(raw, Pos{Line: line, Col: col})
		first = false
		if !more {
			break
		}
	}
	logical := tb.text()
	in := &Instruction{Node: node, JSON: node.Attributes["json"]}
	in.Range = Range{Start: logical.PosAt(0), End: Pos{Line: node.EndLine, Col: len(f.Line(node.EndLine)) + 1}}
	in.Keyword, in.Flags, in.Args = splitKeywordFlags(&logical, node.Flags, f.Escape)
	in.Name = strings.ToLower(in.Keyword)
	for n := node.Next; n != nil; n = n.Next {
		in.Words = append(in.Words, n.Value)
	}
	if in.Name == "onbuild" && node.Next != nil && len(node.Next.Children) > 0 {
		inner := node.Next.Children[0]
		sub := &Instruction{Node: inner, JSON: inner.Attributes["json"], Range: in.Range}
		sub.Keyword, sub.Flags, sub.Args = splitKeywordFlags(&in.Args, inner.Flags, f.Escape)
		sub.Name = strings.ToLower(sub.Keyword)
		for n := inner.Next; n != nil; n = n.Next {
			sub.Words = append(sub.Words, n.Value)
		}
		in.OnBuild = sub
		in.Words = sub.Words
	}
	f.attachHeredocs(in, node, line+1)
	return in, nil
}

// splitKeywordFlags splits a logical line into its keyword, its flags (BuildKit's
// words for them, quotes and escapes processed, are flagWords) and the
// positioned rest, finding the boundaries as BuildKit's splitCommand and
// extractBuilderFlags do.
func splitKeywordFlags(t *Text, flagWords []string, esc rune) (string, []Flag, Text) {
	s := t.S
	// BuildKit tests bytes, not runes, with unicode.IsSpace while it looks for
	// flags, and splits the keyword off at [\t\v\f\r ]+.
	isSpace := func(c byte) bool { return unicode.IsSpace(rune(c)) }
	isKeywordSep := func(c byte) bool { return c == ' ' || c == '\t' || c == '\v' || c == '\f' || c == '\r' }
	i := 0
	for i < len(s) && isSpace(s[i]) {
		i++
	}
	ks := i
	for i < len(s) && !isKeywordSep(s[i]) {
		i++
	}
	keyword := s[ks:i]
	var flags []Flag
	for _, w := range flagWords {
		for i < len(s) && isSpace(s[i]) {
			i++
		}
		fs := i
		var quote byte
	word:
		for ; i < len(s); i++ {
			c := s[i]
			switch {
			case quote != 0 && c == quote:
				quote = 0
			case rune(c) == esc && i+1 < len(s):
				i++
			case quote != 0:
			case isSpace(c):
				break word
			case c == '"' || c == '\'':
				quote = c
			}
		}
		name, val, _ := strings.Cut(strings.TrimPrefix(w, "--"), "=")
		flags = append(flags, Flag{
			Name:  strings.ToLower(name),
			Value: val,
			Range: Range{Start: t.PosAt(fs), End: endPos(t, i)},
		})
	}
	for i < len(s) && isSpace(s[i]) {
		i++
	}
	// A `--` word ends the flags and is dropped.
	if strings.HasPrefix(s[i:], "--") && (i+2 == len(s) || isSpace(s[i+2])) {
		for i += 2; i < len(s) && isSpace(s[i]); i++ {
		}
	}
	return keyword, flags, t.Slice(i)
}

func endPos(t *Text, end int) Pos {
	if end <= 0 {
		return t.PosAt(0)
	}
	p := t.PosAt(end - 1)
	p.Col++
	return p
}

// attachHeredocs positions each heredoc body; bodies follow the logical line in order.
func (f *File) attachHeredocs(in *Instruction, node *parser.Node, line int) {
	if node.Next != nil && in.OnBuild != nil {
		node = in.OnBuild.Node
	}
	marker := 0
	for _, h := range node.Heredocs {
		hd := Heredoc{Name: h.Name, Content: h.Content, Expand: h.Expand, Chomp: h.Chomp}
		if k := strings.Index(in.Args.S[marker:], "<<"); k >= 0 {
			hd.Start = in.Args.PosAt(marker + k)
			marker += k + 2
		}
		var body textBuilder
		for ; line <= len(f.Lines); line++ {
			raw := strings.TrimRight(f.Line(line), "\r")
			term := raw
			if h.Chomp {
				term = strings.TrimLeft(term, "\t")
			}
			if term == h.Name {
				line++
				break
			}
			body.add(raw, Pos{Line: line, Col: 1})
			body.add("\n", Pos{Line: line, Col: len(raw) + 1})
		}
		hd.Body = body.text()
		in.Heredocs = append(in.Heredocs, hd)
	}
	if in.OnBuild != nil {
		in.OnBuild.Heredocs = in.Heredocs
	}
}

func (f *File) newStage(in *Instruction, c *instructions.Stage) *Stage {
	s := &Stage{
		Index:    len(f.Stages),
		Name:     c.Name,
		BaseName: c.BaseName,
		Base:     c.BaseName,
		Platform: c.Platform,
		From:     in,
		file:     f,
	}
	if strings.Contains(c.BaseName, "$") {
		lex := bkshell.NewLex(f.Escape)
		if v, _, err := lex.ProcessWord(quiet(c.BaseName), metaEnv(f.MetaArgs)); err == nil {
			s.Base = v
		}
	}
	s.BaseStage = f.StageByRef(s.Base, s.Index)
	f.Stages = append(f.Stages, s)
	return s
}

// metaEnv exposes the defaults of the meta ARGs to variable substitution in FROM.
type metaEnv []*Instruction

func (m metaEnv) Get(key string) (string, bool) {
	v, ok := "", false
	for _, in := range m {
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

func (m metaEnv) Keys() []string {
	var keys []string
	for _, in := range m {
		if a, isArg := in.Command.(*instructions.ArgCommand); isArg {
			for _, kv := range a.Args {
				keys = append(keys, kv.Key)
			}
		}
	}
	return keys
}

// unlocated is an error BuildKit gives without a line; at is where we put it.
type unlocated struct {
	err error
	at  []parser.Range
}

func (u *unlocated) Error() string { return u.err.Error() }
func (u *unlocated) Unwrap() error { return u.err }

// quiet replaces NUL bytes and invalid UTF-8 before a word goes to BuildKit's
// lexer, whose scanner prints complaints about them to stderr.
func quiet(s string) string {
	if utf8.ValidString(s) && strings.IndexByte(s, 0) < 0 {
		return s
	}
	return strings.Map(func(r rune) rune {
		if r == 0 {
			return 1
		}
		return r
	}, strings.ToValidUTF8(s, "\uFFFD"))
}
