package dockerfile

import (
	"bytes"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"unicode"

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
// BuildKit accepts; anything else is returned as an *Error.
func Parse(name string, src []byte) (*File, []BuildKitCheck, error) {
	src = bytes.TrimPrefix(src, []byte("\xef\xbb\xbf"))
	f := &File{Name: name, Escape: '\\'}
	text := strings.ReplaceAll(string(src), "\r\n", "\n")
	f.Lines = strings.Split(strings.TrimSuffix(text, "\n"), "\n")

	res, err := parser.Parse(bytes.NewReader(src))
	if err != nil {
		return nil, nil, f.wrapErr(err)
	}
	f.Escape = res.EscapeToken
	f.scanDirectivesAndComments()

	var checks []BuildKitCheck
	lint := linter.New(&linter.Config{Warn: func(rule, _, _, msg string, loc []parser.Range) {
		line := 0
		if len(loc) > 0 {
			line = loc[0].Start.Line
		}
		checks = append(checks, BuildKitCheck{Rule: rule, Message: msg, Line: line})
	}})

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
				if in.Name != "arg" {
					return nil, nil, &Error{File: name, Pos: in.Range.Start, Msg: fmt.Sprintf("%s before the first FROM: only ARG may come before FROM", strings.ToUpper(in.Name))}
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
	return f, checks, nil
}

func (f *File) wrapErr(err error) error {
	pos := Pos{Line: 1, Col: 1}
	var le *parser.LocationError
	if errors.As(err, &le) && len(le.Locations) > 0 && len(le.Locations[0]) > 0 {
		line := le.Locations[0][0].Start.Line
		if line < 1 {
			line = 1
		}
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
	var logical Text
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
		logical.add(raw, Pos{Line: line, Col: col})
		first = false
		if !more {
			break
		}
	}
	in := &Instruction{Node: node, JSON: node.Attributes["json"]}
	in.Range = Range{Start: logical.PosAt(0), End: Pos{Line: node.EndLine, Col: len(f.Line(node.EndLine)) + 1}}
	in.Keyword, in.Flags, in.Args = splitKeywordFlags(&logical, len(node.Flags))
	in.Name = strings.ToLower(in.Keyword)
	for n := node.Next; n != nil; n = n.Next {
		in.Words = append(in.Words, n.Value)
	}
	if in.Name == "onbuild" && node.Next != nil && len(node.Next.Children) > 0 {
		inner := node.Next.Children[0]
		sub := &Instruction{Node: inner, JSON: inner.Attributes["json"], Range: in.Range}
		sub.Keyword, sub.Flags, sub.Args = splitKeywordFlags(&in.Args, len(inner.Flags))
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

// splitKeywordFlags splits a logical line into its keyword, its first nflags
// `--flags`, and the positioned rest.
func splitKeywordFlags(t *Text, nflags int) (string, []Flag, Text) {
	s := t.S
	i := 0
	next := func() (int, int) { // the next whitespace-delimited token, honouring quotes
		for i < len(s) && (s[i] == ' ' || s[i] == '\t') {
			i++
		}
		start := i
		var quote byte
		for ; i < len(s); i++ {
			c := s[i]
			switch {
			case quote != 0 && c == quote:
				quote = 0
			case quote == 0 && (c == '"' || c == '\''):
				quote = c
			case quote == 0 && (c == ' ' || c == '\t'):
				return start, i
			}
		}
		return start, i
	}
	ks, ke := next()
	keyword := s[ks:ke]
	var flags []Flag
	for n := 0; n < nflags; n++ {
		fs, fe := next()
		tok := strings.TrimPrefix(s[fs:fe], "--")
		name, val, _ := strings.Cut(tok, "=")
		flags = append(flags, Flag{
			Name:  strings.ToLower(name),
			Value: strings.Trim(val, `"'`),
			Range: Range{Start: t.PosAt(fs), End: endPos(t, fe)},
		})
	}
	for i < len(s) && (s[i] == ' ' || s[i] == '\t') {
		i++
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
			hd.Body.add(raw+"\n", Pos{Line: line, Col: 1})
		}
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
		if v, _, err := lex.ProcessWord(c.BaseName, metaEnv(f.MetaArgs)); err == nil {
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
