package rules

import (
	"path"
	"strconv"
	"strings"

	"github.com/shipshape-dev/shipshape/dockerfile"
	"github.com/shipshape-dev/shipshape/lint"
	"github.com/shipshape-dev/shipshape/shell"
)

// AddArchiveExtract: P19.
var AddArchiveExtract = &lint.Rule{
	Code:  "DF214",
	Name:  "add-archive-extract",
	Title: "Download or copy and extract archives in one step",
	Rationale: "An archive that ADD downloads or COPY brings in is stored in that instruction's layer; a later RUN " +
		"that extracts it and deletes it cannot take those bytes back, so the image carries the archive on top of " +
		"its contents. Downloading and extracting in one RUN (`curl … | tar -x`), letting ADD unpack a local tar " +
		"archive, or bind-mounting the archive into the RUN that extracts it keeps only the extracted files.",
	Severity: lint.Warning,
	Practice: []string{"P19"},
	Bad: "FROM debian:12-slim\nADD https://nodejs.org/dist/v20.11.1/node-v20.11.1-linux-x64.tar.xz /tmp/\n" +
		"RUN tar -xJf /tmp/node-v20.11.1-linux-x64.tar.xz -C /usr/local --strip-components=1 \\\n" +
		" && rm /tmp/node-v20.11.1-linux-x64.tar.xz\n",
	Good: "FROM debian:12-slim\nRUN curl -fsSL https://nodejs.org/dist/v20.11.1/node-v20.11.1-linux-x64.tar.xz \\\n" +
		"  | tar -xJ -C /usr/local --strip-components=1\n",
	Check: func(p *lint.Pass) {
		for _, s := range shippingStages(p.File) {
			for k, in := range s.Instructions {
				if in.Name != "add" && in.Name != "copy" {
					continue
				}
				op, ok := copyOf(in)
				if !ok || op.Heredoc || (op.Unpack != nil && *op.Unpack) {
					continue
				}
				for _, src := range op.Sources {
					checkArchiveSource(p, s.Instructions[k+1:], op, src)
				}
			}
		}
	},
}

func checkArchiveSource(p *lint.Pass, after []*dockerfile.Instruction, op copyOp, src string) {
	remote := isHTTPURL(src)
	if op.Add && !remote {
		return // ADD unpacks local tar archives itself
	}
	if strings.ContainsAny(src, "*?[$") {
		return
	}
	name := path.Base(src)
	if remote {
		name = urlBase(src)
	}
	ext := archiveExt(name)
	if ext == "" {
		return
	}
	file := op.copiedFile(src)
	if file == "" {
		return
	}
	h := handledLater(p, after, file)
	run, extract, removes := h.run, h.extractor != nil, h.removes
	if run == nil || (!remote && !extract) {
		return
	}
	line := strconv.Itoa(run.Range.Start.Line)
	did := "extracts"
	switch {
	case extract && removes:
		did = "extracts and deletes"
	case removes:
		did = "deletes"
	}
	kw := strings.ToUpper(op.In.Name)
	msg := "`" + kw + " " + shorten(src, 80) + "` stores the archive in a layer of its own, and the RUN at line " + line +
		" that " + did + " it cannot take those bytes back: the image carries the archive on top of its contents; "
	dest := extractDir(h)
	switch {
	case remote && !extract:
		msg += "download, use and delete it in one RUN instead: `RUN curl -fsSLo " + file + " " + cmdURL(src) +
			" && … && rm " + file + "`"
	case remote:
		checksum := ""
		if _, ok := op.In.Flag("checksum"); ok {
			checksum = "--checksum=… "
		}
		msg += "download and extract in one RUN instead: " + pipeExtract(src, ext, dest, tarOptions(h), checksum)
	default:
		msg += localExtract(op, src, ext, file, dest)
	}
	reportSource(p, op.In, src, msg)
}

// handled is what a later RUN does with a copied archive.
type handled struct {
	run       *dockerfile.Instruction
	extractor *shell.Command // the command that unpacks it, if any
	cwd       workdir        // where that command runs
	removes   bool
}

// handledLater finds the first later RUN of the stage that extracts or deletes file.
func handledLater(p *lint.Pass, after []*dockerfile.Instruction, file string) handled {
	for _, in := range after {
		if in.Name == "copy" || in.Name == "add" {
			if op, ok := copyOf(in); ok && (op.Dest == file || (op.DestDir && path.Dir(file) == op.Dest && hasSource(op, path.Base(file)))) {
				return handled{} // overwritten: a later RUN handles another file
			}
		}
		sc := p.Script(in)
		if sc == nil || in.Name != "run" {
			continue
		}
		h := handled{run: in}
		wd := workdirAt(in)
		for _, c := range sc.Commands {
			cwd, ok := cwdAt(wd, sc, c)
			if !ok {
				continue
			}
			if h.extractor == nil && isExtractor(c) && namesFile(c, cwd, file) {
				h.extractor, h.cwd = c, cwd
			}
			if c.Is("rm") && removesFile(c, cwd, file) {
				h.removes = true
			}
		}
		if h.extractor != nil || h.removes {
			return h
		}
	}
	return handled{}
}

func hasSource(op copyOp, base string) bool {
	for _, s := range op.Sources {
		if path.Base(s) == base || (isHTTPURL(s) && urlBase(s) == base) {
			return true
		}
	}
	return false
}

// isExtractor reports whether c unpacks an archive.
func isExtractor(c *shell.Command) bool {
	switch c.Name {
	case "tar", "bsdtar":
		for _, a := range c.Args {
			v := a.Value
			if v == "--extract" || v == "--get" || (strings.HasPrefix(v, "-") && !strings.HasPrefix(v, "--") && strings.Contains(v, "x")) {
				return true
			}
		}
		// Old-style bundled first argument: `tar xzf file`.
		return len(c.Args) > 0 && !strings.HasPrefix(c.Args[0].Value, "-") && strings.Contains(c.Args[0].Value, "x")
	case "unzip", "gunzip", "bunzip2", "unxz", "7z", "7za", "unzstd":
		return true
	case "gzip", "xz", "bzip2", "zstd":
		return c.HasFlag("d", "decompress")
	}
	return false
}

// namesFile reports whether an argument of c is the path file.
func namesFile(c *shell.Command, cwd workdir, file string) bool {
	for _, a := range c.Args {
		v := a.Value
		if i := strings.Index(v, "="); strings.HasPrefix(v, "--") && i > 0 {
			v = v[i+1:]
		}
		if a.Literal && cwd.resolve(v) == file {
			return true
		}
	}
	return false
}

// removesFile reports whether an rm deletes file or a directory holding it.
func removesFile(c *shell.Command, cwd workdir, file string) bool {
	for _, a := range c.Positionals() {
		if !a.Literal {
			continue
		}
		v := a.Value
		for strings.HasSuffix(v, "/*") {
			v = strings.TrimSuffix(v, "/*")
		}
		r := cwd.resolve(v)
		if r == "" || r == "/" || r == "." {
			continue
		}
		if r == file || strings.HasPrefix(file, r+"/") {
			return true
		}
		if m, _ := path.Match(r, file); m && strings.ContainsAny(path.Base(r), "*?[") {
			return true
		}
	}
	return false
}

// extractDir returns where the extraction writes: the literal `-C`,
// `--directory` or `unzip -d` target, or the directory it runs in; "" if unknown.
func extractDir(h handled) string {
	c := h.extractor
	if c == nil {
		return ""
	}
	for k, a := range c.Args {
		switch {
		case (a.Value == "-C" || a.Value == "--directory" || (a.Value == "-d" && c.Is("unzip"))) && k+1 < len(c.Args):
			if c.Args[k+1].Literal {
				return c.Args[k+1].Value
			}
			return ""
		case strings.HasPrefix(a.Value, "--directory="):
			return strings.TrimPrefix(a.Value, "--directory=")
		}
	}
	if h.cwd.Known && path.IsAbs(h.cwd.Dir) {
		return h.cwd.Dir
	}
	return ""
}

// cmdURL is the URL for a suggested command: whole, or `<url>` when too long to read.
func cmdURL(u string) string {
	if len(u) > 80 {
		return "<url>"
	}
	return u
}

// tarOptions keeps the long options of the tar that extracts (such as
// --strip-components=1) for the suggested command, with a leading space.
func tarOptions(h handled) string {
	c := h.extractor
	if c == nil || !c.Is("tar", "bsdtar") {
		return ""
	}
	var out []string
	for _, a := range c.Args {
		v := a.Value
		if !a.Literal || !strings.HasPrefix(v, "--") {
			continue
		}
		switch name, _, _ := strings.Cut(v, "="); name {
		case "--file", "--extract", "--get", "--directory", "--gzip", "--xz", "--bzip2", "--zstd", "--verbose":
			continue
		}
		out = append(out, v)
	}
	if len(out) == 0 {
		return ""
	}
	return " " + strings.Join(out, " ")
}

// tarFlag is the decompression flag tar needs for an archive ending.
func tarFlag(ext string) string {
	switch ext {
	case ".tar.gz", ".tgz":
		return "z"
	case ".tar.xz", ".txz":
		return "J"
	case ".tar.bz2", ".tbz2", ".tbz":
		return "j"
	}
	return ""
}

func pipeExtract(url, ext, dest, opts, checksum string) string {
	if dest == "" {
		dest = "/dest"
	}
	if ext == ".zip" {
		return "`RUN curl -fsSLo /tmp/a.zip " + cmdURL(url) + " && unzip -q /tmp/a.zip -d " + dest + " && rm /tmp/a.zip`"
	}
	tar := "tar -x" + tarFlag(ext)
	if ext == ".tar.zst" || ext == ".tzst" {
		tar = "tar --zstd -x"
	}
	out := "`RUN curl -fsSL " + cmdURL(url) + " | " + tar + " -C " + dest + opts + "` (or `wget -qO-`)"
	if opts != "" {
		return out // ADD --unpack has no equivalent of tar's options
	}
	return out + ", or let ADD unpack it: `ADD --unpack=true " + checksum + cmdURL(url) + " " + dest +
		"` (Dockerfile syntax 1.17+)"
}

func localExtract(op copyOp, src, ext, file, dest string) string {
	if dest == "" {
		dest = "/dest"
	}
	from := ""
	if op.From != "" {
		from = "from=" + op.From + ","
	}
	mount := "`RUN --mount=type=bind," + from + "source=" + src + ",target=" + file + " "
	if ext == ".zip" {
		mount += "unzip -q " + file + " -d " + dest + "`"
		return "mount it into the RUN instead of copying it: " + mount
	}
	flag := tarFlag(ext)
	if ext == ".tar.zst" || ext == ".tzst" {
		mount += "tar --zstd -xf " + file + " -C " + dest + "`"
	} else {
		mount += "tar -x" + flag + "f " + file + " -C " + dest + "`"
	}
	if op.From != "" {
		return "mount it into the RUN instead of copying it: " + mount
	}
	return "let ADD unpack it (`ADD " + src + " " + strings.TrimSuffix(dest, "/") + "/` extracts local tar archives), " +
		"or mount it into the RUN instead of copying it: " + mount
}
