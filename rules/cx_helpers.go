package rules

import (
	"fmt"
	"path"
	"slices"
	"strings"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/shipshape-dev/shipshape/buildctx"
	"github.com/shipshape-dev/shipshape/dockerfile"
	"github.com/shipshape-dev/shipshape/lint"
)

// Helpers of the build-context rules (CXnnn): which paths the Dockerfile
// needs, which the user sends on purpose, and the .dockerignore line that
// stops a path and nothing else.

// ctxPath is a path a context rule flags, with what it sends.
type ctxPath struct {
	path string
	sent buildctx.Usage
	line string // the .dockerignore line to add; "" when none should be offered
}

// contextSources returns the context paths the Dockerfile names: COPY and ADD
// sources (not --from, not URLs) and RUN bind-mount sources, cleaned and
// relative to the context root; "." for the whole context. Variables are
// left as written: such a source names nothing here.
func contextSources(f *dockerfile.File) []string {
	if f == nil {
		return nil
	}
	var out []string
	add := func(s string) {
		l := strings.ToLower(s)
		if strings.Contains(s, "$") || strings.Contains(l, "://") || strings.HasPrefix(l, "git@") {
			return
		}
		p := path.Clean("/" + s)
		if p == "/" {
			out = append(out, ".")
			return
		}
		out = append(out, p[1:])
	}
	for _, in := range f.Instructions {
		switch c := in.Command.(type) {
		case *instructions.CopyCommand:
			if c.From == "" {
				for _, s := range c.SourcePaths {
					add(s)
				}
			}
		case *instructions.AddCommand:
			for _, s := range c.SourcePaths {
				add(s)
			}
		}
		if in.Name == "run" {
			for _, m := range in.Mounts() {
				if m["type"] != "bind" || m["from"] != "" {
					continue
				}
				src := m["source"]
				if src == "" {
					src = m["src"]
				}
				if src == "" {
					src = "."
				}
				add(src)
			}
		}
	}
	return out
}

// needed reports whether a source names p or something below it: the build
// reads p itself, so ignoring it would break the build. `COPY . .` does not
// count: it copies everything, which is what the rules are about.
func needed(sources []string, p string) bool {
	pe := strings.Split(p, "/")
	for _, s := range sources {
		se := strings.Split(s, "/")
		if s == "." || len(se) < len(pe) {
			continue
		}
		// each element of a source may be a wildcard; the source names p or
		// something below it when its first elements match p's
		match := true
		for i := range pe {
			if ok, _ := path.Match(se[i], pe[i]); !ok {
				match = false
				break
			}
		}
		if match {
			return true
		}
	}
	return false
}

// ignoreLine is the .dockerignore line that excludes exactly path p: the
// pattern characters escaped, and a leading `!` or `#` or surrounding space
// kept from reading as an exception, a comment or nothing.
func ignoreLine(p string) string {
	var b strings.Builder
	for i, r := range p {
		switch {
		case strings.ContainsRune(`*?[]\`, r):
			b.WriteByte('\\')
			b.WriteRune(r)
		case i == 0 && (r == '!' || r == '#'):
			b.WriteByte('\\')
			b.WriteRune(r)
		case r == ' ' || r == '\t':
			b.WriteByte('?') // the ignore file reader trims spaces; ? matches the one there
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// sentDirsNamed returns the sent directories whose base name is one of
// names, in walk order, the outermost only (node_modules inside node_modules
// is part of the first), leaving out those the user re-includes with an
// exception and those the Dockerfile reads.
func sentDirsNamed(p *lint.Pass, names ...string) []ctxPath {
	c := p.Context
	srcs := contextSources(p.File)
	var out []ctxPath
	for _, d := range c.Dirs {
		if d.Sent.Files == 0 || !slices.Contains(names, path.Base(d.Path)) {
			continue
		}
		if len(out) > 0 && strings.HasPrefix(d.Path, out[len(out)-1].path+"/") {
			continue
		}
		if c.Reincluded(d.Path) || needed(srcs, d.Path) {
			continue
		}
		out = append(out, ctxPath{path: d.Path, sent: d.Sent, line: ignoreLine(d.Path)})
	}
	return out
}

// shareGlob gives the flagged paths one line, `**/GLOB`, when there are
// several and every sent file that line would exclude lies under one of them:
// one line instead of many, and nothing else lost. glob matches one path
// element (a base name such as "node_modules" or "*.log").
func shareGlob(c *buildctx.Context, ps []ctxPath, glob string) {
	if len(ps) < 2 {
		return
	}
	flagged := map[string]bool{}
	for _, p := range ps {
		flagged[p.path] = true
	}
	for _, f := range c.Files {
		if f.Ignored {
			continue
		}
		// the first element of f's path that the glob matches decides
		for rest, at := f.Path, 0; ; {
			i := strings.IndexByte(rest, '/')
			elem := rest
			if i >= 0 {
				elem = rest[:i]
			}
			if elemMatch(glob, elem) {
				if !flagged[f.Path[:at+len(elem)]] {
					return
				}
				break
			}
			if i < 0 {
				break
			}
			rest, at = rest[i+1:], at+i+1
		}
	}
	for i := range ps {
		ps[i].line = "**/" + glob
	}
}

// elemMatch matches one path element against a glob as path.Match does, with
// fast paths for the shapes the rules use on every file of a large context:
// a plain name and `*.ext`.
func elemMatch(glob, elem string) bool {
	switch {
	case !strings.ContainsAny(glob, `*?[\`):
		return glob == elem
	case glob[0] == '*' && !strings.ContainsAny(glob[1:], `*?[\`):
		return strings.HasSuffix(elem, glob[1:])
	}
	ok, _ := path.Match(glob, elem)
	return ok
}

// reportPaths reports each flagged path with its line and bytes; msg writes the
// message of one.
func reportPaths(p *lint.Pass, ps []ctxPath, msg func(ctxPath) string) {
	for _, x := range ps {
		p.ReportPath(x.path, x.sent.Bytes, x.line, msg(x))
	}
}

// sizeOf writes what a path sends: "225.3 MiB in 1,234 files".
func sizeOf(u buildctx.Usage) string {
	if u.Files == 1 {
		return buildctx.HumanBytes(u.Bytes)
	}
	return fmt.Sprintf("%s in %s", buildctx.HumanBytes(u.Bytes), nFiles(u.Files))
}

// nFiles writes a count of files: "1 file", "1,234 files".
func nFiles(n int) string {
	if n == 1 {
		return "1 file"
	}
	return thousands(n) + " files"
}

func thousands(n int) string {
	s := fmt.Sprint(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// addLine is the advice at the end of most messages.
func addLine(x ctxPath) string {
	return fmt.Sprintf("add `%s` to .dockerignore (saves %s on every build)", x.line, buildctx.HumanBytes(x.sent.Bytes))
}
