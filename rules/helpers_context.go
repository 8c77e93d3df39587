package rules

import (
	"bytes"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/shipshape-dev/shipshape/buildctx"
	"github.com/shipshape-dev/shipshape/dockerfile"
	"github.com/shipshape-dev/shipshape/lint"
	"github.com/shipshape-dev/shipshape/shell"
)

// Helpers shared by the rules that read the Dockerfile together with its build
// context (DF301–DF306, DF412): what each COPY takes from the context, where
// it lands in the image, and reading one copied file, bounded.

// dcMaxRead bounds what a rule reads of one context file.
const dcMaxRead = 1 << 20

// dcCopy is one COPY or ADD from the build context, its sources resolved.
type dcCopy struct {
	In      *dockerfile.Instruction
	Op      copyOp // Dest is "" when the destination cannot be told
	Sources []buildctx.Resolution
}

// dcCopyOf resolves the context sources of a COPY or ADD; ok is false when it
// reads nothing from the context.
func dcCopyOf(r *buildctx.Resolver, in *dockerfile.Instruction) (dcCopy, bool) {
	srcs, exclude := lint.ContextSources(in)
	if len(srcs) == 0 || in.Name == "onbuild" {
		return dcCopy{}, false
	}
	op, ok := copyOf(in)
	if !ok {
		op.Dest = ""
	}
	c := dcCopy{In: in, Op: op}
	for _, s := range srcs {
		c.Sources = append(c.Sources, r.Resolve(s, exclude...))
	}
	return c, true
}

// dcShippedCopies lists the context copies of the stages whose content reaches
// the final image, in build order.
func dcShippedCopies(p *lint.Pass, r *buildctx.Resolver) []dcCopy {
	var out []dcCopy
	for _, in := range rtShipping(p.File) {
		if !in.Is("copy", "add") {
			continue
		}
		if c, ok := dcCopyOf(r, in); ok {
			out = append(out, c)
		}
	}
	return out
}

// landsAt returns where a copied file ends up in the image. A single named
// file copied to a destination without a trailing slash becomes the
// destination, unless the image already has a directory there; both places
// are returned then.
func (c dcCopy) landsAt(res buildctx.Resolution, f buildctx.Copied) []string {
	if c.Op.Dest == "" {
		return nil
	}
	if !c.Op.DestDir && !res.Wildcard && !res.Dir {
		return []string{c.Op.Dest, path.Join(c.Op.Dest, f.Rel)}
	}
	return []string{path.Join(c.Op.Dest, f.Rel)}
}

// dcLanded is a context file found in the image: the copy that put it there,
// the source that named it, and the file.
type dcLanded struct {
	Copy   dcCopy
	Source string // the source as written
	File   buildctx.Copied
}

// dcFileAt finds the context file the image has at one of the paths: the last
// copy that puts a file there wins, as later layers cover earlier ones.
func dcFileAt(copies []dcCopy, paths ...string) (dcLanded, bool) {
	var (
		best  dcLanded
		found bool
	)
	for _, c := range copies {
		for _, res := range c.Sources {
			for _, f := range res.Copies {
				for _, at := range c.landsAt(res, f) {
					for _, want := range paths {
						if at == want {
							best, found = dcLanded{Copy: c, Source: res.Source, File: f}, true
						}
					}
				}
			}
		}
	}
	return best, found
}

// dcRead reads one regular file of the context, at most dcMaxRead bytes; ok
// is false for links, special files, bigger files and read errors.
func dcRead(c *buildctx.Context, f buildctx.File) ([]byte, bool) {
	if !f.Mode.IsRegular() || f.Size > dcMaxRead || c.Dir == "" {
		return nil, false
	}
	fh, err := os.Open(filepath.Join(c.Dir, filepath.FromSlash(f.Path)))
	if err != nil {
		return nil, false
	}
	defer fh.Close()
	if st, err := fh.Stat(); err != nil || st.Mode()&fs.ModeType != 0 {
		return nil, false
	}
	data, err := io.ReadAll(io.LimitReader(fh, dcMaxRead+1))
	if err != nil || len(data) > dcMaxRead || bytes.IndexByte(data[:min(len(data), 8192)], 0) >= 0 {
		return nil, false
	}
	return data, true
}

// dcLines maps byte offsets of a file's text to 1-based lines and columns.
func dcLines(src string) shell.Mapper {
	var starts []int
	starts = append(starts, 0)
	for i := 0; i < len(src); i++ {
		if src[i] == '\n' {
			starts = append(starts, i+1)
		}
	}
	return func(off int) shell.Pos {
		lo, hi := 0, len(starts)-1
		for lo < hi {
			mid := (lo + hi + 1) / 2
			if starts[mid] <= off {
				lo = mid
			} else {
				hi = mid - 1
			}
		}
		return shell.Pos{Line: lo + 1, Col: off - starts[lo] + 1}
	}
}

// dcIgnoreFile names the ignore file findings should send users to.
func dcIgnoreFile(c *buildctx.Context) string {
	if c.IgnoreFile != "" {
		return c.IgnoreFile
	}
	return ".dockerignore"
}

// dcKeyword is COPY or ADD, as users read it.
func dcKeyword(in *dockerfile.Instruction) string {
	if in.Name == "add" {
		return "ADD"
	}
	return "COPY"
}

// dcInstructionText quotes an instruction as written, flags left out, shortened.
func dcInstructionText(in *dockerfile.Instruction) string {
	words := strings.Fields(in.Args.S)
	if in.JSON {
		words = in.Words
	}
	s := strings.ToUpper(in.Keyword) + " " + strings.Join(words, " ")
	if len(s) > 40 {
		s = shorten(s, 40)
	}
	return s
}

// eachResolvedSource calls fn for every context source of every COPY and ADD,
// resolved against the build context; it does nothing without a context.
func eachResolvedSource(fn func(p *lint.Pass, in *dockerfile.Instruction, r *buildctx.Resolver, src string, res buildctx.Resolution)) func(*lint.Pass) {
	return lint.EachInstruction(func(p *lint.Pass, in *dockerfile.Instruction) {
		srcs, exclude := lint.ContextSources(in)
		if len(srcs) == 0 {
			return
		}
		r := p.Sources()
		if r == nil {
			return
		}
		for _, src := range srcs {
			fn(p, in, r, src, r.Resolve(src, exclude...))
		}
	}, "copy", "add")
}
