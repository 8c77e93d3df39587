package rules

import (
	"fmt"

	"github.com/shipshape-dev/shipshape/dockerfile"
	"github.com/shipshape-dev/shipshape/lint"
	"github.com/shipshape-dev/shipshape/shell"
)

// ApkNoCache: P12.
var ApkNoCache = &lint.Rule{
	Code:  "DF205",
	Name:  "apk-no-cache",
	Title: "Use apk add --no-cache",
	Rationale: "`apk add` without `--no-cache` stores the repository index (APKINDEX) under /var/cache/apk, " +
		"and it stays in the layer. `--no-cache` fetches the index into memory and keeps nothing, which also " +
		"makes a separate `apk update` unnecessary. In a builder stage that does not ship it only costs build cache.",
	Severity: lint.Warning,
	Fixable:  true,
	Aliases:  []string{"DL3019"},
	Practice: []string{"P12"},
	Bad:      "FROM alpine:3.19\nRUN apk add curl\n",
	Good:     "FROM alpine:3.19\nRUN apk add --no-cache curl\n",
	Check: lint.EachInstall(func(p *lint.Pass, in *dockerfile.Instruction, s *shell.Script, i *shell.Install) {
		c := i.Cmd
		if i.Manager != shell.Apk || c.HasFlag("no-cache") {
			return
		}
		// --no-network fetches no index; a cache elsewhere, or another root, is someone's deliberate choice.
		if c.HasFlag("no-network", "cache-dir", "root", "p") || i.DryRun() {
			return
		}
		if cacheMountCovers(in, "/var/cache/apk", "/etc/apk/cache") {
			return
		}
		if cleanedAfter(s, c, func(d *shell.Command) bool { return d.Removes("/var/cache/apk") }) != nil {
			return
		}
		verb := verbWord(i)
		msg := "`apk " + i.Verb + "` without `--no-cache` keeps the package index in /var/cache/apk (typically 2–3 MB) " +
			"in this layer; use `apk " + i.Verb + " --no-cache`"
		for k := c.Index - 1; k >= 0; k-- {
			if u := s.Commands[k]; u.Is("apk") && u.Subcommand(apkValueFlags...) == "update" && !u.HasFlag("no-cache") {
				msg += fmt.Sprintf(", and drop the `apk update` at line %d: it writes the same index, and `--no-cache` fetches a fresh one anyway", u.Pos.Line)
				break
			}
		}
		if _, later := laterRunDoing(p, in, func(d *shell.Command) bool { return d.Removes("/var/cache/apk") }); later != nil {
			msg += "; deleting /var/cache/apk in a later RUN does not shrink this layer"
		}
		shipped := stageShips(p, in)
		if !shipped {
			msg += " (this stage does not ship, so it only costs build cache)"
		}
		f := reportFromProg(p, c, verb, msg)
		if !shipped {
			f.Severity = lint.Info
		}
		f.Fix = insertAfter(p, in, verb, " --no-cache", "add --no-cache")
	}),
}
