package rules

import (
	"path"
	"strings"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	bkshell "github.com/moby/buildkit/frontend/dockerfile/shell"
	"github.com/shipshape-dev/shipshape/dockerfile"
	"github.com/shipshape-dev/shipshape/lint"
	"github.com/shipshape-dev/shipshape/shell"
)

// Helpers shared by the base-image and layer rules (DF101–DF104, DF210–DF214).

// imageRef is an image reference split into its parts. Registry is "" for
// Docker Hub; Repo is the path as written, without registry, tag or digest.
type imageRef struct {
	Registry, Repo, Tag, Digest string
}

// parseImageRef splits an image reference. A `:` only starts a tag after the
// last `/`, so `localhost:5000/app` has a registry and no tag.
func parseImageRef(s string) imageRef {
	var r imageRef
	if i := strings.Index(s, "@"); i >= 0 {
		s, r.Digest = s[:i], s[i+1:]
	}
	if i := strings.LastIndex(s, ":"); i >= 0 && !strings.Contains(s[i+1:], "/") {
		s, r.Tag = s[:i], s[i+1:]
	}
	if i := strings.Index(s, "/"); i >= 0 {
		if first := s[:i]; strings.ContainsAny(first, ".:") || first == "localhost" {
			s, r.Registry = s[i+1:], first
		}
	}
	r.Repo = s
	return r
}

// Host returns the registry an image is pulled from, Docker Hub spelled docker.io.
func (r imageRef) Host() string {
	switch h := strings.ToLower(r.Registry); h {
	case "", "index.docker.io", "registry-1.docker.io", "registry.hub.docker.com", "hub.docker.com":
		return "docker.io"
	default:
		return h
	}
}

// Name returns the last path element of the repository: "python" for
// `docker.io/library/python:3.12`.
func (r imageRef) Name() string { return strings.ToLower(path.Base(r.Repo)) }

// WithoutTag is the reference without tag and digest.
func (r imageRef) WithoutTag() string {
	if r.Registry != "" {
		return r.Registry + "/" + r.Repo
	}
	return r.Repo
}

// fromImage is the image a FROM pulls, as far as the Dockerfile tells.
type fromImage struct {
	Stage   *dockerfile.Stage
	Written string // as written in FROM
	Ref     string // with the meta ARG defaults substituted
	Image   imageRef
}

// Resolved reports whether the FROM went through variable substitution.
func (f fromImage) Resolved() bool { return f.Written != f.Ref }

// stageImage returns the image stage s is built FROM. ok is false for a stage
// built on an earlier stage, for scratch, and for a reference that depends on
// a value the file does not give (an ARG without default, TARGETARCH, …).
func stageImage(f *dockerfile.File, s *dockerfile.Stage) (fromImage, bool) {
	if s == nil || s.BaseStage != nil || s.From == nil {
		return fromImage{}, false
	}
	written := s.BaseName
	ref, ok := expandMeta(f, written)
	if !ok || ref == "" || strings.EqualFold(ref, "scratch") || strings.ContainsAny(ref, "$ \t") {
		return fromImage{}, false
	}
	// `FROM ${BASE}` may name a stage once substituted.
	if f.StageByRef(ref, s.Index) != nil {
		return fromImage{}, false
	}
	return fromImage{Stage: s, Written: written, Ref: ref, Image: parseImageRef(ref)}, true
}

// rootImage follows FROM through earlier stages to the image the stage starts from.
func rootImage(f *dockerfile.File, s *dockerfile.Stage) (fromImage, bool) {
	seen := map[*dockerfile.Stage]bool{}
	for s != nil && s.BaseStage != nil && !seen[s] {
		seen[s] = true
		s = s.BaseStage
	}
	return stageImage(f, s)
}

// builtinArgs are set by the builder per platform: a FROM using them names
// different images on different platforms.
var builtinArgs = map[string]bool{
	"TARGETPLATFORM": true, "TARGETOS": true, "TARGETARCH": true, "TARGETVARIANT": true,
	"BUILDPLATFORM": true, "BUILDOS": true, "BUILDARCH": true, "BUILDVARIANT": true,
}

// metaArgEnv holds the meta ARG values, each expanded with those before it.
type metaArgEnv struct {
	vals    map[string]string
	keys    []string
	unknown map[string]bool // declared without a value: given with --build-arg
}

func (e *metaArgEnv) Get(k string) (string, bool) { v, ok := e.vals[k]; return v, ok }
func (e *metaArgEnv) Keys() []string              { return e.keys }

// expandMeta substitutes the meta ARG defaults into a FROM word; ok is false
// when the result depends on a value only the build command gives.
func expandMeta(f *dockerfile.File, word string) (string, bool) {
	if !strings.Contains(word, "$") {
		return word, true
	}
	lex := bkshell.NewLex(f.Escape)
	env := &metaArgEnv{vals: map[string]string{}, unknown: map[string]bool{}}
	for k := range builtinArgs {
		env.unknown[k] = true
	}
	for _, in := range f.MetaArgs {
		a, ok := in.Command.(*instructions.ArgCommand)
		if !ok {
			continue
		}
		for _, kv := range a.Args {
			if kv.Value == nil {
				if _, set := env.vals[kv.Key]; !set {
					env.unknown[kv.Key] = true
				}
				continue
			}
			res, err := lex.ProcessWordWithMatches(*kv.Value, env)
			if err != nil || dependsOn(res.Unmatched, env.unknown) {
				env.unknown[kv.Key] = true
				delete(env.vals, kv.Key)
				continue
			}
			delete(env.unknown, kv.Key)
			if _, set := env.vals[kv.Key]; !set {
				env.keys = append(env.keys, kv.Key)
			}
			env.vals[kv.Key] = res.Result
		}
	}
	res, err := lex.ProcessWordWithMatches(word, env)
	if err != nil || dependsOn(res.Unmatched, env.unknown) {
		return "", false
	}
	return res.Result, true
}

func dependsOn(unmatched map[string]struct{}, unknown map[string]bool) bool {
	for k := range unmatched {
		if unknown[k] {
			return true
		}
	}
	return false
}

// reportFromImage reports on the image word of a FROM.
func reportFromImage(p *lint.Pass, s *dockerfile.Stage, msg string) *lint.Finding {
	in := s.From
	n := len(s.BaseName)
	if i := strings.IndexAny(in.Args.S, " \t"); i >= 0 && i < n || n == 0 {
		n = i
	}
	if n <= 0 {
		return p.ReportInstruction(in, msg)
	}
	start, end := in.Args.PosAt(0), in.Args.PosAt(n-1)
	end.Col++
	if start.Line < 1 || start.Col < 1 {
		return p.ReportInstruction(in, msg)
	}
	return p.Report(start, end, msg)
}

// describeFrom names the image for a message: "`debian`", or "`${BASE}` (`debian`)".
func describeFrom(img fromImage) string {
	if img.Resolved() {
		return "`" + img.Written + "` (`" + img.Ref + "` with the ARG defaults)"
	}
	return "`" + img.Ref + "`"
}

// shippingStages lists the stages whose content reaches the final image, in order.
func shippingStages(f *dockerfile.File) []*dockerfile.Stage {
	var out []*dockerfile.Stage
	for _, s := range f.Stages {
		if f.Ships(s) {
			out = append(out, s)
		}
	}
	return out
}

// isDevContainer reports whether the file describes a development container,
// where editors and compilers are the point.
func isDevContainer(f *dockerfile.File) bool {
	return strings.Contains(strings.ToLower(f.Name), ".devcontainer")
}

// workdir is the working directory in force at an instruction. Dir "" with
// Known set means the base image's own (unknown but fixed) directory.
type workdir struct {
	Dir   string
	Known bool
}

// workdirAt returns the working directory in force when in runs.
func workdirAt(in *dockerfile.Instruction) workdir {
	wd := workdir{Known: true}
	for _, x := range instructionsBefore(in) {
		w, ok := x.Command.(*instructions.WorkdirCommand)
		if !ok {
			continue
		}
		switch {
		case strings.ContainsAny(w.Path, "$`"):
			wd = workdir{}
		case path.IsAbs(w.Path):
			wd = workdir{Dir: path.Clean(w.Path), Known: true}
		case wd.Known:
			wd.Dir = path.Join(wd.Dir, w.Path)
			if wd.Dir == "" || strings.HasPrefix(wd.Dir, "..") {
				wd = workdir{}
			}
		}
	}
	return wd
}

// resolve makes p absolute against the working directory: "/app/x", or "./x"
// under the base image's own directory; "" when that cannot be told.
func (wd workdir) resolve(p string) string {
	if p == "" || strings.ContainsAny(p, "$`") {
		return ""
	}
	if path.IsAbs(p) {
		return path.Clean(p)
	}
	if !wd.Known {
		return ""
	}
	rel := path.Clean(p)
	if rel == ".." || strings.HasPrefix(rel, "../") {
		return ""
	}
	if wd.Dir == "" {
		if rel == "." {
			return "."
		}
		return "./" + rel
	}
	return path.Join(wd.Dir, rel)
}

// copyOp is one COPY or ADD of a stage, its destination resolved.
type copyOp struct {
	In      *dockerfile.Instruction
	Sources []string // as written; heredoc sources by their name
	Heredoc bool
	Dest    string // resolved, cleaned
	DestDir bool   // the destination is a directory (trailing slash, several sources)
	Chmod   string
	Chown   string
	Link    bool
	From    string
	Add     bool
	Unpack  *bool
}

// copyOf reads a COPY or ADD; ok is false when its destination cannot be resolved.
func copyOf(in *dockerfile.Instruction) (copyOp, bool) {
	op := copyOp{In: in}
	var sd instructions.SourcesAndDest
	switch c := in.Command.(type) {
	case *instructions.CopyCommand:
		sd, op.Chmod, op.Chown, op.Link, op.From = c.SourcesAndDest, c.Chmod, c.Chown, c.Link, c.From
	case *instructions.AddCommand:
		sd, op.Chmod, op.Chown, op.Link, op.Add, op.Unpack = c.SourcesAndDest, c.Chmod, c.Chown, c.Link, true, c.Unpack
	default:
		return op, false
	}
	op.Sources = append(op.Sources, sd.SourcePaths...)
	for _, h := range sd.SourceContents {
		op.Sources = append(op.Sources, h.Path)
		op.Heredoc = true
	}
	dest := sd.DestPath
	op.Dest = workdirAt(in).resolve(dest)
	if op.Dest == "" || len(op.Sources) == 0 {
		return op, false
	}
	op.DestDir = strings.HasSuffix(dest, "/") || strings.HasSuffix(dest, "/.") || dest == "." || len(op.Sources) > 1
	for _, s := range op.Sources {
		if strings.ContainsAny(path.Base(s), "*?[") {
			op.DestDir = true
		}
	}
	return op, true
}

// isHTTPURL reports whether an ADD source is downloaded.
func isHTTPURL(s string) bool {
	l := strings.ToLower(s)
	return strings.HasPrefix(l, "http://") || strings.HasPrefix(l, "https://")
}

// urlBase returns the file name of a URL's path.
func urlBase(u string) string {
	if i := strings.IndexAny(u, "?#"); i >= 0 {
		u = u[:i]
	}
	if i := strings.Index(u, "://"); i >= 0 {
		u = u[i+3:]
	}
	if i := strings.Index(u, "/"); i >= 0 {
		return path.Base(u[i:])
	}
	return ""
}

// archiveExts are the file endings of archives that tar or unzip extract.
var archiveExts = []string{".tar.gz", ".tgz", ".tar.xz", ".txz", ".tar.bz2", ".tbz2", ".tbz", ".tar.zst", ".tzst", ".tar", ".zip"}

// archiveExt returns the archive ending of a file name, or "".
func archiveExt(name string) string {
	l := strings.ToLower(name)
	for _, e := range archiveExts {
		if strings.HasSuffix(l, e) && len(l) > len(e) {
			return e
		}
	}
	return ""
}

// copiedFile is where a COPY puts the file src: dest itself, or dest/base(src)
// when dest is a directory.
func (op copyOp) copiedFile(src string) string {
	if !op.DestDir {
		return op.Dest
	}
	base := path.Base(src)
	if isHTTPURL(src) {
		base = urlBase(src)
	}
	if base == "" || base == "." || base == "/" {
		return ""
	}
	return path.Join(op.Dest, base)
}

// sourceToken returns the byte range in Args.S of the source src of a COPY/ADD.
func sourceToken(in *dockerfile.Instruction, src string) (from, upto int, ok bool) {
	s := in.Args.S
	if in.JSON {
		q := `"` + src + `"`
		if i := strings.Index(s, q); i >= 0 {
			return i + 1, i + 1 + len(src), true
		}
		return 0, 0, false
	}
	for i := 0; i < len(s); {
		for i < len(s) && (s[i] == ' ' || s[i] == '\t') {
			i++
		}
		j := i
		for j < len(s) && s[j] != ' ' && s[j] != '\t' {
			j++
		}
		if j > i && s[i:j] == src {
			return i, j, true
		}
		i = j
	}
	return 0, 0, false
}

// reportSource reports on a source word of a COPY/ADD, or on its keyword.
func reportSource(p *lint.Pass, in *dockerfile.Instruction, src, msg string) *lint.Finding {
	from, upto, ok := sourceToken(in, src)
	if !ok || upto <= from {
		return p.ReportInstruction(in, msg)
	}
	start, end := in.Args.PosAt(from), in.Args.PosAt(upto-1)
	end.Col++
	if start.Line < 1 || start.Col < 1 {
		return p.ReportInstruction(in, msg)
	}
	return p.Report(start, end, msg)
}

// cwdAt returns the directory a shell command of a RUN runs in: the working
// directory, or the last literal absolute `cd` before it; ok is false when a
// `cd`/`pushd` makes it unknowable.
func cwdAt(wd workdir, s *shell.Script, c *shell.Command) (workdir, bool) {
	for _, d := range s.Commands[:c.Index] {
		if !d.Is("cd", "pushd", "popd") {
			continue
		}
		pos := d.Positionals()
		if d.Name != "cd" || len(pos) != 1 || !pos[0].Literal || !path.IsAbs(pos[0].Value) {
			return workdir{}, false
		}
		wd = workdir{Dir: path.Clean(pos[0].Value), Known: true}
	}
	return wd, true
}

// shorten elides the middle of a long value for a message.
func shorten(s string, n int) string {
	if len(s) <= n || n < 10 {
		return s
	}
	half := (n - 1) / 2
	return s[:half] + "…" + s[len(s)-half:]
}

// quotedList writes values as “`a`, `b`”.
func quotedList(vals []string) string {
	q := make([]string, len(vals))
	for i, v := range vals {
		q[i] = "`" + v + "`"
	}
	return strings.Join(q, ", ")
}

// removedLater reports whether a command after the install in the same script
// uninstalls the package name.
func removedLater(s *shell.Script, i *shell.Install, name string) bool {
	return s.Uninstalls(i, name, i.Cmd.Index+1)
}

// systemManager reports whether m installs distribution packages.
func systemManager(m shell.Manager) bool {
	return m == shell.Apt || m == shell.Apk || m == shell.Dnf || m == shell.Zypper
}
