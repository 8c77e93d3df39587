package dockerfile

import (
	"strings"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/moby/buildkit/frontend/dockerfile/parser"
)

// File is one parsed Dockerfile.
type File struct {
	Name   string
	Lines  []string // raw source lines, without line endings
	Escape rune     // the escape token in force (`\` or a backtick)

	Directives   []Directive
	Comments     []Comment
	MetaArgs     []*Instruction // ARGs before the first FROM
	Stages       []*Stage
	Instructions []*Instruction // every instruction in source order, meta ARGs included
}

// Directive is a parser directive at the top of the file (`# syntax=`, `# escape=`, `# check=`).
type Directive struct {
	Name  string
	Value string
	Line  int
}

// Comment is a `#` line outside heredoc bodies; Text is what follows the `#`, trimmed.
type Comment struct {
	Line int
	Col  int
	Text string
}

// Instruction is one Dockerfile instruction with its exact place in the source.
type Instruction struct {
	Keyword string // as written, e.g. "run" or "RUN"
	Name    string // lower case, e.g. "run"
	Range   Range  // from the keyword to the end of the last line (heredoc terminator included)

	Flags []Flag
	// Args is the text after the keyword and flags, continuation lines joined and
	// comment lines dropped, positioned byte by byte.
	Args Text
	// Words are BuildKit's arguments: the JSON array items in exec form, or the
	// whitespace-separated words otherwise (one string for RUN/CMD/ENTRYPOINT shell form).
	Words    []string
	JSON     bool // exec (JSON array) form
	Heredocs []Heredoc

	Stage   *Stage               // nil for meta ARGs
	Command instructions.Command // BuildKit's typed instruction; nil for FROM
	OnBuild *Instruction         // the wrapped instruction of ONBUILD
	Node    *parser.Node
	Index   int // position in File.Instructions
}

// Is reports whether the instruction is one of the given (lower-case) names.
func (in *Instruction) Is(names ...string) bool {
	for _, n := range names {
		if in.Name == n {
			return true
		}
	}
	return false
}

// Flag is one `--name=value` flag of an instruction.
type Flag struct {
	Name  string // without the dashes
	Value string
	Range Range
}

// Flag returns the first flag with the given name.
func (in *Instruction) Flag(name string) (Flag, bool) {
	for _, f := range in.Flags {
		if f.Name == name {
			return f, true
		}
	}
	return Flag{}, false
}

// Mounts returns the `--mount` flags of a RUN as key/value maps (type defaults to bind).
func (in *Instruction) Mounts() []map[string]string {
	var out []map[string]string
	for _, f := range in.Flags {
		if f.Name != "mount" {
			continue
		}
		m := map[string]string{"type": "bind"}
		for _, kv := range strings.Split(f.Value, ",") {
			k, v, _ := strings.Cut(kv, "=")
			k = strings.ToLower(strings.TrimSpace(k))
			if k == "dst" || k == "destination" {
				k = "target"
			}
			m[k] = strings.TrimSpace(v)
		}
		out = append(out, m)
	}
	return out
}

// Heredoc is one `<<EOF` body of a RUN, COPY or ADD.
type Heredoc struct {
	Name    string
	Content string
	Expand  bool
	Chomp   bool
	Body    Text // the body with positions; Body.S equals Content
	Start   Pos  // position of the `<<` marker
}

// Stage is one FROM and the instructions up to the next FROM.
type Stage struct {
	Index int
	Name  string // the AS name, lower case as BuildKit keeps it; "" when unnamed
	// BaseName is the image or stage named by FROM as written; Base has the
	// meta ARGs substituted (equal to BaseName when nothing could be substituted).
	BaseName string
	Base     string
	// BaseStage is the earlier stage FROM refers to, or nil for an image.
	BaseStage    *Stage
	Platform     string
	From         *Instruction
	Instructions []*Instruction // after FROM
	file         *File
}

// IsFinal reports whether the stage is the last one, the one `docker build` outputs by default.
func (s *Stage) IsFinal() bool { return s.Index == len(s.file.Stages)-1 }

// Ref returns how later instructions may refer to the stage: its name or its index.
func (s *Stage) Ref() string {
	if s.Name != "" {
		return s.Name
	}
	return itoa(s.Index)
}

// FinalStage returns the last stage, or nil when the file has none.
func (f *File) FinalStage() *Stage {
	if len(f.Stages) == 0 {
		return nil
	}
	return f.Stages[len(f.Stages)-1]
}

// StageByRef resolves a stage name (case-insensitive) or index as used by
// `COPY --from` and `FROM`, considering only stages before `before`.
func (f *File) StageByRef(ref string, before int) *Stage {
	ref = strings.ToLower(ref)
	for _, s := range f.Stages {
		if s.Index >= before {
			break
		}
		if (s.Name != "" && s.Name == ref) || itoa(s.Index) == ref {
			return s
		}
	}
	return nil
}

// Ships reports whether the content of stage s ends up in the final image:
// s is the final stage or an ancestor of it through FROM.
func (f *File) Ships(s *Stage) bool {
	for t := f.FinalStage(); t != nil; t = t.BaseStage {
		if t == s {
			return true
		}
	}
	return false
}

// Line returns the raw text of 1-based line n, or "".
func (f *File) Line(n int) string {
	if n < 1 || n > len(f.Lines) {
		return ""
	}
	return f.Lines[n-1]
}

func itoa(i int) string {
	if i == 0 {
		return "0"
	}
	var b []byte
	for ; i > 0; i /= 10 {
		b = append([]byte{byte('0' + i%10)}, b...)
	}
	return string(b)
}

// IsBuilder reports whether the stage only feeds other stages: its own content
// does not reach the final image (what it produces may, through COPY --from).
func (s *Stage) IsBuilder() bool { return !s.file.Ships(s) }

// CopyFrom resolves the `--from` of a COPY (or ADD) to the earlier stage it names;
// nil when the instruction has no --from or names an image.
func (in *Instruction) CopyFrom() *Stage {
	f, ok := in.Flag("from")
	if !ok || in.Stage == nil {
		return nil
	}
	return in.Stage.file.StageByRef(f.Value, in.Stage.Index)
}
