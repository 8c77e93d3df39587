package rules

import (
	"path"
	"strings"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/shipshape-dev/shipshape/dockerfile"
	"github.com/shipshape-dev/shipshape/lint"
)

// CopyNotAdd: P62.
var CopyNotAdd = &lint.Rule{
	Code:  "DF503",
	Name:  "copy-not-add",
	Title: "Use COPY for local files that ADD would not unpack",
	Rationale: "ADD does three things: it copies local files, unpacks local tar archives, and fetches URLs and " +
		"git repositories. When the sources are plain local files or directories it does exactly what COPY does, " +
		"but a reader has to check each source to be sure nothing gets downloaded or extracted. COPY says what " +
		"happens; ADD is then kept for the cases only it handles.",
	Severity: lint.Error,
	Fixable:  true,
	Aliases:  []string{"DL3020"},
	Practice: []string{"P62"},
	Bad:      "FROM python:3.12-slim\nWORKDIR /app\nADD requirements.txt app.py ./\nCMD [\"python\", \"app.py\"]\n",
	Good:     "FROM python:3.12-slim\nWORKDIR /app\nCOPY requirements.txt app.py ./\nADD vendor/wheels.tar.gz /opt/wheels/\nCMD [\"python\", \"app.py\"]\n",
	Check: lint.EachInstruction(func(p *lint.Pass, in *dockerfile.Instruction) {
		inner := in.OnBuild != nil
		add := hyAddCommand(in)
		if add == nil || add.Checksum != "" || add.KeepGitDir != nil || add.Unpack != nil {
			return
		}
		sources := add.SourcePaths
		for _, h := range add.SourceContents {
			sources = append(sources, "<<"+h.Path)
		}
		note := ""
		for _, src := range add.SourcePaths {
			kind := addSourceKind(src)
			if kind == addMaybeSpecial {
				return
			}
			if kind == addZip && note == "" {
				note = " (ADD does not unpack zip files: `" + path.Base(src) + "` is copied as is)"
			}
			if kind == addCompressed && note == "" {
				note = " (ADD only unpacks tar archives: `" + path.Base(src) + "` is copied as is)"
			}
		}
		if len(sources) == 0 {
			return
		}
		k := hyKeywordOf(p, in, inner)
		args := strings.TrimSpace(in.Args.S)
		if inner {
			args = strings.TrimSpace(in.OnBuild.Args.S)
		}
		kw := hyCopyKeyword(k.Text)
		f := k.report(p, "`"+k.Text+" "+shorten(args, 80)+"` only copies local files"+note+", which is what COPY does: "+
			"write `"+kw+"` so that readers need not check whether it downloads or unpacks anything")
		f.Fix = k.replace(kw, "replace "+k.Text+" with "+kw)
	}, "add", "onbuild"),
}

// hyAddCommand returns the ADD of in, or of the instruction an ONBUILD wraps.
func hyAddCommand(in *dockerfile.Instruction) *instructions.AddCommand {
	if in.OnBuild == nil {
		c, _ := in.Command.(*instructions.AddCommand)
		return c
	}
	if in.OnBuild.Name != "add" || in.OnBuild.Node == nil {
		return nil
	}
	typed, err := instructions.ParseInstruction(in.OnBuild.Node)
	if err != nil {
		return nil
	}
	c, _ := typed.(*instructions.AddCommand)
	return c
}

// hyCopyKeyword is COPY written in the case of the ADD it replaces.
func hyCopyKeyword(add string) string {
	switch add {
	case strings.ToLower(add):
		return "copy"
	case strings.ToUpper(add):
		return "COPY"
	}
	return "Copy"
}

type addKind int

const (
	addPlain        addKind = iota
	addZip                  // zip-format archives, which ADD copies as they are
	addCompressed           // a single compressed file, not named as a tar archive
	addMaybeSpecial         // a URL, git repository, tar archive, variable, or a glob that may match one
)

// addSourceKind classifies an ADD source by what ADD would do with it. ADD
// recognises tar archives by their content; the name is all a linter has, so
// anything that may be one is left alone.
func addSourceKind(src string) addKind {
	l := strings.ToLower(src)
	if strings.ContainsAny(l, "$`") || hyRemoteSource(l) {
		return addMaybeSpecial
	}
	base := path.Base(strings.TrimRight(l, "/"))
	ext := path.Ext(base)
	if strings.ContainsAny(base, "*?[") && (ext == "" || strings.ContainsAny(ext, "*?[]")) {
		return addMaybeSpecial
	}
	if strings.HasSuffix(base, ".tar") || strings.Contains(base, ".tar.") {
		return addMaybeSpecial
	}
	switch ext {
	case ".tgz", ".tbz", ".tbz2", ".txz", ".tzst", ".tlz", ".taz",
		// tar archives under another name: Alpine packages, Ruby gems, Rust crates, OVF appliances
		".apk", ".gem", ".crate", ".ova", ".ipk":
		return addMaybeSpecial
	case ".gz", ".bz2", ".xz", ".zst", ".lz", ".lzma", ".z":
		if strings.ContainsAny(base, "*?[") {
			return addMaybeSpecial // `*.gz` may match `x.tar.gz`
		}
		return addCompressed
	case ".zip", ".jar", ".war", ".ear", ".whl", ".egg", ".nupkg":
		return addZip
	}
	return addPlain
}

// hyRemoteSource reports whether an ADD source (lower case) is fetched: a URL,
// or a git repository in scp-like or GitHub shorthand form.
func hyRemoteSource(l string) bool {
	if strings.Contains(l, "://") || strings.HasPrefix(l, "git@") || strings.HasPrefix(l, "github.com/") {
		return true
	}
	// user@host:path
	at, colon, slash := strings.Index(l, "@"), strings.Index(l, ":"), strings.Index(l, "/")
	return at > 0 && colon > at && (slash < 0 || colon < slash)
}
