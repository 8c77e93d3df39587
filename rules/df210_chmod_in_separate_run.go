package rules

import (
	"path"
	"regexp"
	"strconv"
	"strings"

	"github.com/shipshape-dev/shipshape/dockerfile"
	"github.com/shipshape-dev/shipshape/lint"
	"github.com/shipshape-dev/shipshape/shell"
)

// ChmodInSeparateRun: P14.
var ChmodInSeparateRun = &lint.Rule{
	Code:  "DF210",
	Name:  "chmod-in-separate-run",
	Title: "Set mode and owner in COPY, not in a later RUN",
	Rationale: "Layers store whole files: a RUN that changes the mode or owner of files an earlier COPY added " +
		"writes a second copy of each of them into its own layer, so the image carries those bytes twice " +
		"(for `chown -R` of an application directory, often hundreds of MB). `COPY --chmod` and `COPY --chown` " +
		"set them as the files are written, at no cost. Only paths that a COPY or ADD of the shipping stages added are reported.",
	Severity: lint.Warning,
	Fixable:  true,
	Practice: []string{"P14"},
	Bad:      "FROM debian:12-slim\nCOPY entrypoint.sh /usr/local/bin/\nRUN chmod 755 /usr/local/bin/entrypoint.sh\nENTRYPOINT [\"entrypoint.sh\"]\n",
	Good:     "FROM debian:12-slim\nCOPY --chmod=755 entrypoint.sh /usr/local/bin/\nENTRYPOINT [\"entrypoint.sh\"]\n",
	Check: func(p *lint.Pass) {
		// The shipping stages form one chain of FROMs: a COPY in a base stage
		// and a chmod in the final one are layers of the same image.
		var copies []copyOp
		for _, s := range shippingStages(p.File) {
			for _, in := range s.Instructions {
				switch in.Name {
				case "copy", "add":
					if op, ok := copyOf(in); ok && !extractsOrClones(op) {
						copies = append(copies, op)
					}
				case "run":
					checkChmodRun(p, in, copies)
				}
			}
		}
	},
}

// extractsOrClones reports whether an ADD does more than place files: it
// unpacks a local archive or clones a git repository.
func extractsOrClones(op copyOp) bool {
	if !op.Add {
		return false
	}
	for _, s := range op.Sources {
		l := strings.ToLower(s)
		if strings.HasPrefix(l, "git@") || strings.HasSuffix(l, ".git") || strings.Contains(l, ".git#") ||
			(strings.Contains(l, "://") && !isHTTPURL(s)) {
			return true
		}
		if !isHTTPURL(s) && archiveExt(s) != "" && archiveExt(s) != ".zip" && (op.Unpack == nil || *op.Unpack) {
			return true
		}
	}
	return false
}

// copyMatch says how a chmod/chown target relates to what a COPY added.
type copyMatch struct {
	op       copyOp
	wholeDir bool // the target is the copied directory itself
	oneFile  bool // the target is the one file the COPY wrote
}

// matchCopied finds the latest COPY whose files the target path covers.
func matchCopied(copies []copyOp, t string) (copyMatch, bool) {
	glob := strings.ContainsAny(path.Base(t), "*?[")
	for k := len(copies) - 1; k >= 0; k-- {
		op := copies[k]
		single := len(op.Sources) == 1
		if !glob && t == op.Dest {
			dir := op.DestDir || (!op.Heredoc && !isHTTPURL(op.Sources[0]) && mayBeDir(op.Sources[0]))
			return copyMatch{op: op, wholeDir: dir, oneFile: single && !dir}, true
		}
		prefix := op.Dest
		if !strings.HasSuffix(prefix, "/") {
			prefix += "/"
		}
		if !strings.HasPrefix(t, prefix) {
			continue
		}
		inDest := path.Dir(t) == op.Dest
		for _, src := range op.Sources {
			switch base := path.Base(src); {
			case op.DestDir && !glob && op.copiedFile(src) == t:
				return copyMatch{op: op, oneFile: single && !strings.ContainsAny(base, "*?[")}, true
			case !op.Heredoc && !isHTTPURL(src) && mayBeDir(src):
				return copyMatch{op: op}, true
			case inDest && op.DestDir && (glob || strings.ContainsAny(base, "*?[")):
				if m, _ := path.Match(base, path.Base(t)); m || glob {
					return copyMatch{op: op}, true
				}
			}
		}
	}
	return copyMatch{}, false
}

// mayBeDir reports whether a COPY source may be a directory, whose contents
// land in the destination.
func mayBeDir(src string) bool {
	base := path.Base(src)
	return src == "." || strings.HasSuffix(src, "/") || base == "." || !strings.Contains(strings.TrimPrefix(base, "."), ".")
}

func checkChmodRun(p *lint.Pass, in *dockerfile.Instruction, copies []copyOp) {
	if len(copies) == 0 {
		return
	}
	sc := p.Script(in)
	if sc == nil {
		return
	}
	wd := workdirAt(in)
	for _, c := range sc.Commands {
		if !c.Is("chmod", "chown", "chgrp") {
			continue
		}
		if c.Name == "chmod" && removesModeBits(c) {
			continue
		}
		pos := c.Positionals("--from")
		recursive := c.HasFlag("R", "recursive")
		spec := ""
		if !c.HasFlag("reference") {
			if len(pos) < 2 {
				continue
			}
			spec, pos = pos[0].Value, pos[1:]
		}
		cwd, cwdOK := cwdAt(wd, sc, c)
		for _, t := range pos {
			if !t.Literal || (!path.IsAbs(t.Value) && !cwdOK) {
				continue
			}
			tp := cwd.resolve(t.Value)
			if tp == "" {
				continue
			}
			m, ok := matchCopied(copies, tp)
			// Without -R only the directory entry itself changes.
			if !ok || (m.wholeDir && !recursive) {
				continue
			}
			flag, exact := copyFlagFor(c, spec, m.op)
			f := reportFromProg(p, c, t, chmodMessage(p, c, m, flag))
			if exact && m.oneFile && len(pos) == 1 && len(sc.Commands) == 1 {
				f.Fix = chmodFix(p, in, c, m.op, flag)
			}
			break
		}
	}
}

var minusMode = regexp.MustCompile(`^-[rwxXst]+$`)

// removesModeBits reports whether a chmod takes its mode as `-x`, which reads
// like a flag.
func removesModeBits(c *shell.Command) bool {
	for _, a := range c.Args {
		if minusMode.MatchString(a.Value) {
			return true
		}
	}
	return false
}

var octalMode = regexp.MustCompile(`^0?[0-7]{3,4}$`)

// copyFlagFor returns the COPY flag that does what the command does, and
// whether it does exactly that (so the RUN can be dropped).
func copyFlagFor(c *shell.Command, spec string, op copyOp) (string, bool) {
	switch c.Name {
	case "chmod":
		switch {
		case octalMode.MatchString(spec):
			mode := spec
			if len(mode) == 4 && mode[0] == '0' {
				mode = mode[1:]
			}
			return "--chmod=" + mode, op.Chmod == ""
		case spec == "+x" || spec == "a+x" || spec == "ugo+x":
			// Files are copied 0644 or 0755; +x makes both 0755.
			return "--chmod=755", op.Chmod == ""
		}
		return "--chmod=<octal mode>", false
	case "chown":
		user, group, hasGroup := strings.Cut(spec, ":")
		if spec == "" {
			return "--chown=<user>:<group>", false
		}
		// --chown=user also sets the group, chown user does not; names cannot be
		// resolved with --link.
		exact := hasGroup && user != "" && group != "" && op.Chown == "" && !strings.ContainsAny(spec, "$`") &&
			(!op.Link || (numericID(user) && numericID(group)))
		return "--chown=" + spec, exact
	}
	if spec == "" {
		return "--chown=<user>:<group>", false
	}
	return "--chown=<user>:" + spec, false
}

func numericID(s string) bool {
	_, err := strconv.Atoi(s)
	return err == nil
}

func chmodMessage(p *lint.Pass, c *shell.Command, m copyMatch, flag string) string {
	var b strings.Builder
	b.WriteString("`" + shorten(commandText(c), 70) + "` ")
	line := strconv.Itoa(m.op.In.Range.Start.Line)
	kw := strings.ToUpper(m.op.In.Name)
	switch {
	case m.wholeDir:
		b.WriteString("rewrites every file the " + kw + " at line " + line + " added")
	case m.oneFile:
		b.WriteString("changes a file the " + kw + " at line " + line + " added")
	default:
		b.WriteString("changes files the " + kw + " at line " + line + " added")
	}
	them, what := "them", "owner"
	if m.oneFile {
		them = "it"
	}
	if c.Name == "chmod" {
		what = "mode"
	}
	b.WriteString(", so this RUN's layer stores " + them + " again and the copied bytes count twice in the image; set the " +
		what + " when copying instead: ")
	if ex := copyWithFlag(p, m.op.In, flag); ex != "" {
		b.WriteString("`" + ex + "`")
	} else {
		b.WriteString("add `" + flag + "` to the " + kw + " at line " + line)
	}
	return b.String()
}

// commandText writes a command back as words.
func commandText(c *shell.Command) string {
	parts := []string{c.Prog.Value}
	for _, a := range c.Args {
		parts = append(parts, a.Value)
	}
	return strings.Join(parts, " ")
}

// copyWithFlag writes the COPY/ADD with the flag added, or "" when it would be
// too long to read in a message or does not sit on one line.
func copyWithFlag(p *lint.Pass, in *dockerfile.Instruction, flag string) string {
	if in.Range.Start.Line != in.Range.End.Line {
		return ""
	}
	line := p.File.Line(in.Range.Start.Line)
	from := in.Range.Start.Col - 1 + len(in.Keyword)
	if from < 0 || from > len(line) {
		return ""
	}
	out := in.Keyword + " " + flag + line[from:]
	out = strings.TrimRight(out, " \t\r")
	if len(out) > 90 {
		return ""
	}
	return out
}

// chmodFix adds the flag to the COPY and deletes the RUN, when the RUN stands
// alone on its lines.
func chmodFix(p *lint.Pass, run *dockerfile.Instruction, c *shell.Command, op copyOp, flag string) *lint.Fix {
	if len(c.Wrappers) > 0 || len(c.Assigns) > 0 || len(run.Flags) > 0 || len(run.Heredocs) > 0 || run.OnBuild != nil {
		return nil
	}
	start, end := run.Range.Start, run.Range.End
	if strings.TrimSpace(p.File.Line(start.Line)[:min(start.Col-1, len(p.File.Line(start.Line)))]) != "" {
		return nil
	}
	if last := p.File.Line(end.Line); end.Col-1 < len(last) && strings.TrimSpace(last[end.Col-1:]) != "" {
		return nil
	}
	at := op.In.Range.Start
	at.Col += len(op.In.Keyword)
	return &lint.Fix{
		Description: "add " + flag + " to the " + strings.ToUpper(op.In.Name) + " at line " + strconv.Itoa(op.In.Range.Start.Line) + " and remove the RUN",
		Edits: []lint.Edit{
			{Line: at.Line, Column: at.Col, EndLine: at.Line, EndColumn: at.Col, New: " " + flag},
			{Line: start.Line, Column: 1, EndLine: end.Line + 1, EndColumn: 1, New: ""},
		},
	}
}
