package lint

import (
	"fmt"
	"path"
	"strings"
	"unicode/utf8"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"

	"github.com/shipshape-dev/shipshape/buildctx"
	"github.com/shipshape-dev/shipshape/dockerfile"
	"github.com/shipshape-dev/shipshape/shell"
)

// Pass is what a rule sees while it checks one Dockerfile.
type Pass struct {
	File *dockerfile.File
	Rule *Rule
	// Context is the build context the Dockerfile is built with; nil when
	// linting without one. Context-aware rules do nothing when it is nil.
	// Rules read it through BuildContext or Sources, which load a context that
	// Linter.LoadContext supplies on demand.
	Context *buildctx.Context
	// Image is the image an image check (ScopeImage) looks at; nil otherwise.
	Image *ImageTarget

	opts     map[string]any
	state    *fileState
	trusted  []string
	findings []Finding
}

// fileState is shared by every rule run over one file.
type fileState struct {
	scripts map[*dockerfile.Instruction]*shellScript
	shells  map[*dockerfile.Instruction][]string

	// the build context, resolved once for all rules on first demand
	ctxDone  bool
	sources  *buildctx.Resolver
	ctxErr   error
	loadCtx  func(*dockerfile.File) (*buildctx.Resolver, error)
	fixedCtx *buildctx.Context
}

// Report records a finding of the pass's rule between start and end.
func (p *Pass) Report(start, end dockerfile.Pos, msg string) *Finding {
	if end.Line == 0 || end.Before(start) {
		end = start
	}
	p.findings = append(p.findings, Finding{
		Code:      p.Rule.Code,
		Name:      p.Rule.Name,
		Severity:  p.Rule.Severity,
		Message:   msg,
		File:      p.File.Name,
		Line:      start.Line,
		Column:    start.Col,
		EndLine:   end.Line,
		EndColumn: end.Col,
		Aliases:   p.Rule.Aliases,
	})
	return &p.findings[len(p.findings)-1]
}

// Reportf is Report with a format.
func (p *Pass) Reportf(start, end dockerfile.Pos, format string, args ...any) *Finding {
	return p.Report(start, end, fmt.Sprintf(format, args...))
}

// ReportInstruction reports on the keyword of an instruction.
func (p *Pass) ReportInstruction(in *dockerfile.Instruction, msg string) *Finding {
	end := in.Range.Start
	end.Col += len(in.Keyword)
	return p.Report(in.Range.Start, end, msg)
}

// ReportWord reports on a shell word.
func (p *Pass) ReportWord(w shell.Word, msg string) *Finding {
	return p.Report(dockerfile.Pos(w.Pos), dockerfile.Pos(w.End), msg)
}

// ReportCommand reports on a whole shell command.
func (p *Pass) ReportCommand(c *shell.Command, msg string) *Finding {
	return p.Report(dockerfile.Pos(c.Pos), dockerfile.Pos(c.End), msg)
}

// Option returns the configured value of a rule option, or its default.
func (p *Pass) Option(name string) any {
	if v, ok := p.opts[name]; ok {
		return v
	}
	for _, o := range p.Rule.Options {
		if o.Name == name {
			return o.Default
		}
	}
	return nil
}

// StringsOption returns a list option.
func (p *Pass) StringsOption(name string) []string {
	switch v := p.Option(name).(type) {
	case []string:
		return v
	case []any:
		out := make([]string, 0, len(v))
		for _, x := range v {
			out = append(out, fmt.Sprint(x))
		}
		return out
	case string:
		if v == "" {
			return nil
		}
		return []string{v}
	}
	return nil
}

// BoolOption returns a boolean option.
func (p *Pass) BoolOption(name string) bool {
	b, _ := p.Option(name).(bool)
	return b
}

// Script returns the parsed shell code of a RUN instruction (the heredoc bodies
// that a shell executes included), or nil when the instruction is not a RUN or its
// shell is not a POSIX shell or the code does not parse.
func (p *Pass) Script(in *dockerfile.Instruction) *shell.Script {
	if s, ok := p.state.scripts[in]; ok {
		return s
	}
	s := p.parseScript(in)
	p.state.scripts[in] = s
	return s
}

// Shell returns the shell a shell-form instruction runs under (SHELL or /bin/sh -c).
func (p *Pass) Shell(in *dockerfile.Instruction) []string {
	if p.state.shells == nil {
		p.state.shells = shellsOf(p.File)
	}
	if sh, ok := p.state.shells[in]; ok {
		return sh
	}
	return defaultShell
}

var defaultShell = []string{"/bin/sh", "-c"}

// shellsOf computes, in one pass, the shell in force at every instruction; a
// stage starts with the shell its base stage ended with.
func shellsOf(f *dockerfile.File) map[*dockerfile.Instruction][]string {
	out := make(map[*dockerfile.Instruction][]string, len(f.Instructions))
	final := map[*dockerfile.Stage][]string{}
	for _, s := range f.Stages {
		sh := defaultShell
		if s.BaseStage != nil {
			sh = final[s.BaseStage]
		}
		out[s.From] = sh
		for _, x := range s.Instructions {
			if x.Name == "shell" && len(x.Words) > 0 {
				sh = x.Words
			}
			out[x] = sh
		}
		final[s] = sh
	}
	return out
}

// PosixShell reports whether the shell of in is a POSIX shell.
func (p *Pass) PosixShell(in *dockerfile.Instruction) bool {
	sh := p.Shell(in)
	switch strings.ToLower(path.Base(strings.ReplaceAll(sh[0], `\`, "/"))) {
	case "sh", "bash", "dash", "ash", "zsh", "ksh", "busybox":
		return true
	}
	return false
}

func (p *Pass) parseScript(in *dockerfile.Instruction) *shell.Script {
	run := in
	if in.OnBuild != nil {
		run = in.OnBuild
	}
	if run.Name != "run" {
		return nil
	}
	if run.JSON {
		return execFormScript(run)
	}
	if !p.PosixShell(in) {
		return nil
	}
	src, m := heredocSource(run)
	s, err := shell.Parse(src, m)
	if err != nil {
		return nil
	}
	// Heredoc bodies that a shell reads are commands of this RUN too.
	for _, h := range run.Heredocs {
		if !bodyIsShell(s, h) {
			continue
		}
		body := h.Body
		bs, err := shell.Parse(body.S, func(off int) shell.Pos { return shell.Pos(body.PosAt(off)) })
		if err != nil {
			continue
		}
		base := len(s.Commands)
		for i, c := range bs.Commands {
			c.Index = base + i
		}
		s.Commands = append(s.Commands, bs.Commands...)
		s.Pipes = append(s.Pipes, bs.Pipes...)
	}
	return s
}

// heredocSource is the command line followed by the heredoc bodies, so that the
// shell parser sees complete here-documents.
func heredocSource(in *dockerfile.Instruction) (string, shell.Mapper) {
	args := in.Args
	if len(in.Heredocs) == 0 {
		return args.S, func(off int) shell.Pos { return shell.Pos(args.PosAt(off)) }
	}
	var b strings.Builder
	b.WriteString(args.S)
	type span struct {
		from int
		text dockerfile.Text
	}
	var spans []span
	for _, h := range in.Heredocs {
		b.WriteString("\n")
		spans = append(spans, span{b.Len(), h.Body})
		b.WriteString(h.Body.S)
		b.WriteString(h.Name + "\n")
	}
	return b.String(), func(off int) shell.Pos {
		for i := len(spans) - 1; i >= 0; i-- {
			if off >= spans[i].from {
				return shell.Pos(spans[i].text.PosAt(off - spans[i].from))
			}
		}
		return shell.Pos(args.PosAt(off))
	}
}

// bodyIsShell decides whether a heredoc is run as shell code: it is the whole
// command (`RUN <<EOF`), or it feeds a shell (`RUN bash <<EOF`), and its shebang,
// if any, names a shell.
func bodyIsShell(s *shell.Script, h dockerfile.Heredoc) bool {
	if first, _, _ := strings.Cut(h.Content, "\n"); strings.HasPrefix(first, "#!") {
		return strings.Contains(first, "sh")
	}
	for _, c := range s.Commands {
		if c.Pos.Line == h.Start.Line && c.Pos.Col <= h.Start.Col && !strings.HasPrefix(c.Prog.Value, "<<") {
			switch c.Name {
			case "sh", "bash", "dash", "ash", "zsh", "ksh":
				return true
			}
			return false
		}
	}
	return true
}

// execFormScript turns `RUN ["prog", "arg"]` into one command; `["sh", "-c", "…"]`
// is parsed as shell code. Positions point at the start of the array.
func execFormScript(in *dockerfile.Instruction) *shell.Script {
	at := shell.Pos(in.Args.PosAt(0))
	m := func(int) shell.Pos { return at }
	var b strings.Builder
	for i, w := range in.Words {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString("'" + strings.ReplaceAll(w, "'", `'\''`) + "'")
	}
	s, err := shell.Parse(b.String(), m)
	if err != nil {
		return nil
	}
	return s
}

// Scripts calls fn for every RUN of the file whose shell code could be read,
// ONBUILD RUNs included.
func (p *Pass) Scripts(fn func(in *dockerfile.Instruction, s *shell.Script)) {
	for _, in := range p.File.Instructions {
		if s := p.Script(in); s != nil {
			fn(in, s)
		}
	}
}

type shellScript = shell.Script

// TrustedRegistries returns the registries the configuration trusts (empty: any).
func (p *Pass) TrustedRegistries() []string { return p.trusted }

// BuildContext returns the build context, loading it on the first call of
// any rule of this file; nil when linting without a context or when it could
// not be loaded. Rules ask only once they know they need it, so that a file
// whose rules never ask costs no directory walk.
func (p *Pass) BuildContext() *buildctx.Context {
	if r := p.Sources(); r != nil {
		return r.Context()
	}
	return nil
}

// Sources returns the build context indexed for COPY source resolution,
// shared by every rule of this file; nil without a context.
func (p *Pass) Sources() *buildctx.Resolver {
	st := p.state
	if !st.ctxDone {
		st.ctxDone = true
		switch {
		case st.fixedCtx != nil:
			st.sources = buildctx.NewResolver(st.fixedCtx)
		case p.Context != nil: // a pass made with its context (LintContext)
			st.sources = buildctx.NewResolver(p.Context)
		case st.loadCtx != nil:
			st.sources, st.ctxErr = st.loadCtx(p.File)
			if st.ctxErr != nil {
				st.sources = nil
			}
		}
	}
	if st.sources != nil {
		p.Context = st.sources.Context()
	}
	return st.sources
}

// Invalidations returns the cache-invalidation map of the file over its build
// context (nil without one): for each step that reads the context, the later
// steps a change under what it reads rebuilds.
func (p *Pass) Invalidations() []buildctx.Invalidation {
	r := p.Sources()
	if r == nil || p.File == nil {
		return nil
	}
	return buildctx.Invalidations(r, BuildStages(p.File))
}

// ContextSources returns what a COPY or ADD reads from the build context: its
// sources as written and its --exclude patterns. Sources that name no
// context path, or none this linter can tell before the build, are left out:
// a COPY --from reads a stage or image, heredocs are inline, URLs and Git
// repositories are remote, and a `$` needs the build's variables. ONBUILD
// instructions read the context of a later build and give nothing.
func ContextSources(in *dockerfile.Instruction) (sources, exclude []string) {
	var sd []string
	switch c := in.Command.(type) {
	case *instructions.CopyCommand:
		if c.From != "" {
			return nil, nil
		}
		sd, exclude = c.SourcePaths, c.ExcludePatterns
	case *instructions.AddCommand:
		sd, exclude = c.SourcePaths, c.ExcludePatterns
	default:
		return nil, nil
	}
	for _, s := range sd {
		l := strings.ToLower(s)
		if strings.Contains(s, "$") || strings.Contains(l, "://") || strings.HasPrefix(l, "git@") {
			continue
		}
		sources = append(sources, s)
	}
	if len(sources) == 0 {
		return nil, nil
	}
	return sources, exclude
}

// BuildStages describes the file's stages the way buildctx computes cache
// invalidation: each step with the context paths it reads and the earlier
// stages it copies or mounts from.
func BuildStages(f *dockerfile.File) []buildctx.BuildStage {
	out := make([]buildctx.BuildStage, len(f.Stages))
	for i, s := range f.Stages {
		bs := buildctx.BuildStage{Name: s.Name, Base: -1}
		if s.BaseStage != nil {
			bs.Base = s.BaseStage.Index
		}
		for _, in := range s.Instructions {
			step := buildctx.Step{Line: in.Range.Start.Line, Name: in.Name, Text: stepText(f, in)}
			switch in.Name {
			case "copy", "add":
				step.Sources, step.Exclude = ContextSources(in)
				if from := in.CopyFrom(); from != nil {
					step.Reads = append(step.Reads, from.Index)
				}
			case "run":
				for _, m := range in.Mounts() {
					if m["type"] != "bind" {
						continue
					}
					if ref, ok := m["from"]; ok {
						if st := f.StageByRef(ref, s.Index); st != nil {
							step.Reads = append(step.Reads, st.Index)
						}
						continue
					}
					src := m["source"]
					if src == "" {
						src = m["src"]
					}
					if src == "" {
						src = "."
					}
					if !strings.Contains(src, "$") {
						step.Sources = append(step.Sources, src)
					}
				}
			}
			bs.Steps = append(bs.Steps, step)
		}
		out[i] = bs
	}
	return out
}

// stepText is the first line of an instruction, shortened for a listing.
func stepText(f *dockerfile.File, in *dockerfile.Instruction) string {
	s := strings.TrimSpace(f.Line(in.Range.Start.Line))
	s = strings.TrimSpace(strings.TrimSuffix(s, string(f.Escape)))
	if len(s) > 72 {
		cut := 69
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut] + "..."
	}
	return s
}
