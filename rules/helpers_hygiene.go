package rules

import (
	"strings"

	"github.com/shipshape-dev/shipshape/dockerfile"
	"github.com/shipshape-dev/shipshape/lint"
)

// Helpers shared by the hygiene rules (DF501–DF508).

// hyKeyword is where an instruction keyword stands in the Dockerfile. Exact is set
// when the keyword sits, as written, between Start and End on one line, so an
// edit can replace it.
type hyKeyword struct {
	Text       string
	Start, End dockerfile.Pos
	Exact      bool
}

// hyKeywordOf returns the keyword of in, or of the instruction an ONBUILD wraps
// when inner is set.
func hyKeywordOf(p *lint.Pass, in *dockerfile.Instruction, inner bool) hyKeyword {
	k := hyKeyword{Text: in.Keyword, Start: in.Range.Start}
	if inner {
		if in.OnBuild == nil {
			return hyKeyword{}
		}
		k = hyKeyword{Text: in.OnBuild.Keyword, Start: in.Args.PosAt(0)}
	}
	k.End = dockerfile.Pos{Line: k.Start.Line, Col: k.Start.Col + len(k.Text)}
	line := p.File.Line(k.Start.Line)
	from := k.Start.Col - 1
	k.Exact = k.Text != "" && from >= 0 && from+len(k.Text) <= len(line) && line[from:from+len(k.Text)] == k.Text
	return k
}

// report reports on the keyword.
func (k hyKeyword) report(p *lint.Pass, msg string) *lint.Finding {
	return p.Report(k.Start, k.End, msg)
}

// replace is a fix that writes text in place of the keyword; nil when the
// keyword's place is not exactly known.
func (k hyKeyword) replace(text, desc string) *lint.Fix {
	if !k.Exact {
		return nil
	}
	return &lint.Fix{Description: desc, Edits: []lint.Edit{{
		Line: k.Start.Line, Column: k.Start.Col, EndLine: k.End.Line, EndColumn: k.End.Col, New: text,
	}}}
}

// hyQuote writes s as a double-quoted Dockerfile word that BuildKit reads
// back as s: `"`, `$` and the escape character are escaped with the escape
// character in force (`\`, or a backtick under `# escape=` + "`").
func hyQuote(s string, escape rune) string {
	if escape == 0 {
		escape = '\\'
	}
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		if r == '"' || r == '$' || r == escape {
			b.WriteRune(escape)
		}
		b.WriteRune(r)
	}
	b.WriteByte('"')
	return b.String()
}

// hyPipefail reads shell options as given to `set` or to a shell: it reports
// whether they turn pipefail on (`-o pipefail`, `-euxo pipefail`) and whether
// they turn it off (`+o pipefail`).
func hyPipefail(args []string) (on, off bool) {
	for i := 1; i < len(args); i++ {
		if args[i] != "pipefail" {
			continue
		}
		prev := args[i-1]
		if len(prev) < 2 || prev[len(prev)-1] != 'o' || strings.HasPrefix(prev, "--") {
			continue
		}
		switch prev[0] {
		case '-':
			on, off = true, false
		case '+':
			on, off = false, true
		}
	}
	return on, off
}

// hyShFamily is the kind of /bin/sh a base image comes with, which decides how
// pipefail can be set.
type hyShFamily int

const (
	hyShUnknown hyShFamily = iota
	hyShDash               // Debian, Ubuntu: dash, no pipefail option
	hyShBusybox            // Alpine, BusyBox: ash, has pipefail; no bash by default
	hyShBash               // Fedora, RHEL and kin: /bin/sh is bash
)

// hyDebianImages are Docker Hub official images whose plain tags are
// Debian-based.
var hyDebianImages = map[string]bool{
	"python": true, "node": true, "golang": true, "ruby": true, "php": true, "perl": true,
	"rust": true, "openjdk": true, "gcc": true, "buildpack-deps": true, "httpd": true,
	"nginx": true, "postgres": true, "redis": true, "haproxy": true, "elixir": true,
	"erlang": true, "haskell": true, "julia": true, "r-base": true,
	// Ubuntu-based: dash too.
	"eclipse-temurin": true, "maven": true, "gradle": true,
}

// hyOtherBaseHints in a tag name a base other than the image's default one.
var hyOtherBaseHints = []string{"windows", "nanoserver", "servercore", "amazon", "corretto", "oracle", "ubi", "graal"}

var hyDebianCodenames = []string{"trixie", "bookworm", "bullseye", "buster", "stretch", "sid",
	"noble", "jammy", "focal", "bionic", "xenial", "oracular", "plucky"}

var hyBashShImages = map[string]bool{
	"fedora": true, "centos": true, "rockylinux": true, "almalinux": true, "amazonlinux": true,
	"oraclelinux": true, "ubi": true, "ubi8": true, "ubi9": true, "ubi10": true, "ubi-minimal": true,
	"ubi8-minimal": true, "ubi9-minimal": true, "ubi10-minimal": true, "rhel": true, "opensuse": true,
	"leap": true, "tumbleweed": true, "archlinux": true,
}

// hyShFamilyOf guesses the /bin/sh of the image a stage starts from by its name
// and tag; hyShUnknown when the file does not tell.
func hyShFamilyOf(f *dockerfile.File, s *dockerfile.Stage) hyShFamily {
	img, ok := rootImage(f, s)
	if !ok {
		return hyShUnknown
	}
	ref := img.Image
	name, tag := ref.Name(), strings.ToLower(ref.Tag)
	switch {
	case isAlpineImage(ref) || name == "busybox" || strings.Contains(tag, "busybox"):
		return hyShBusybox
	case hyBashShImages[name]:
		return hyShBash
	case name == "debian" || name == "ubuntu":
		return hyShDash
	}
	for _, c := range hyDebianCodenames {
		if strings.Contains(tag, c) {
			return hyShDash
		}
	}
	if strings.Contains(tag, "debian") {
		return hyShDash
	}
	if ref.Host() != "docker.io" || !hyDebianImages[name] {
		return hyShUnknown
	}
	for _, h := range hyOtherBaseHints {
		if strings.Contains(tag, h) {
			return hyShUnknown
		}
	}
	return hyShDash
}
