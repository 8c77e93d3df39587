package rules

import (
	"github.com/shipshape-dev/shipshape/dockerfile"
	"github.com/shipshape-dev/shipshape/lint"
	"github.com/shipshape-dev/shipshape/shell"
)

// AptNotAptGet: no catalogue practice; covers hadolint DL3027.
var AptNotAptGet = &lint.Rule{
	Code:  "DF508",
	Name:  "apt-not-apt-get",
	Title: "Use apt-get and apt-cache in scripts, not apt",
	Rationale: "`apt` is the front end for people at a terminal: its output, prompts and defaults may change " +
		"between releases, and it says so itself (\"apt does not have a stable CLI interface. Use with caution in " +
		"scripts.\"). `apt-get` and `apt-cache` keep a stable interface for scripts, which is what a Dockerfile is.",
	Severity: lint.Warning,
	Fixable:  true,
	Aliases:  []string{"DL3027"},
	Bad: "FROM ubuntu:24.04\nRUN apt update && apt install -y --no-install-recommends curl \\\n" +
		" && rm -rf /var/lib/apt/lists/*\n",
	Good: "FROM ubuntu:24.04\nRUN apt-get update && apt-get install -y --no-install-recommends curl \\\n" +
		" && rm -rf /var/lib/apt/lists/*\n",
	Check: lint.EachCommand(func(p *lint.Pass, in *dockerfile.Instruction, s *shell.Script, c *shell.Command) {
		if !c.Is("apt") {
			return
		}
		sub := c.Positionals(aptValueFlags...)
		verb := ""
		if len(sub) > 0 {
			verb = sub[0].Value
		}
		switch verb {
		case "install", "update", "remove", "purge", "autoremove", "clean", "autoclean", "build-dep", "source",
			"download", "satisfy", "dist-upgrade", "changelog":
			f := reportOnWord(p, c.Prog, "`apt "+verb+"` runs the interactive front end, whose command line "+
				"is not stable for scripts: use `apt-get "+verb+"`")
			f.Fix = aptGetFix(p, in, c, shell.Word{}, "")
		case "upgrade", "full-upgrade", "reinstall", "autopurge":
			// apt's verbs that apt-get spells differently.
			same := aptGetSpelling[verb]
			f := reportOnWord(p, c.Prog, "`apt "+verb+"` runs the interactive front end, whose command line "+
				"is not stable for scripts: use `apt-get "+same+"`, which does the same")
			f.Fix = aptGetFix(p, in, c, sub[0], same)
		case "search", "show", "policy", "depends", "rdepends", "showsrc":
			reportOnWord(p, c.Prog, "`apt "+verb+"` runs the interactive front end, whose output is not stable "+
				"for scripts: use `apt-cache "+verb+"`")
		case "list":
			reportOnWord(p, c.Prog, "`apt list` runs the interactive front end, whose output is not stable for "+
				"scripts (it warns so on stderr): use `dpkg-query -W` for installed packages or `apt-cache policy` "+
				"for available versions")
		case "":
		default:
			reportOnWord(p, c.Prog, "`apt "+shorten(verb, 30)+"` runs the interactive front end, whose command line "+
				"is not stable for scripts: use `apt-get` or `apt-cache`")
		}
	}),
}

// aptGetSpelling is how apt-get says what some apt verbs do: apt's upgrade
// may install new dependencies, which apt-get's only does when asked.
var aptGetSpelling = map[string]string{
	"upgrade":      "upgrade --with-new-pkgs",
	"full-upgrade": "dist-upgrade",
	"reinstall":    "install --reinstall",
	"autopurge":    "autoremove --purge",
}

// aptGetFix rewrites the program word `apt` (or `/usr/bin/apt`) as apt-get and,
// when verbText is given, the verb word as verbText; nil when a word's place in
// the Dockerfile is not exactly known.
func aptGetFix(p *lint.Pass, in *dockerfile.Instruction, c *shell.Command, verb shell.Word, verbText string) *lint.Fix {
	if runInstruction(in).JSON {
		return nil
	}
	var edits []lint.Edit
	for _, e := range []struct {
		w   shell.Word
		new func(string) string
	}{
		{c.Prog, func(src string) string { return src + "-get" }},
		{verb, func(string) string { return verbText }},
	} {
		if e.w.Pos.Line == 0 {
			continue
		}
		src, ok := wordSource(p, e.w)
		if !ok || !e.w.Literal || src != e.w.Value {
			return nil
		}
		edits = append(edits, lint.Edit{Line: e.w.Pos.Line, Column: e.w.Pos.Col, EndLine: e.w.Pos.Line,
			EndColumn: e.w.Pos.Col + len(src), New: e.new(src)})
	}
	return &lint.Fix{Description: "use apt-get instead of apt", Edits: edits}
}
