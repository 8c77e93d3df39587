package rules

import (
	"fmt"
	"path"

	"github.com/shipshape-dev/shipshape/lint"
)

// VCSDirSent: P21, P30.
var VCSDirSent = &lint.Rule{
	Code:  "CX302",
	Name:  "vcs-dir-sent",
	Title: "Version-control directories stay out of the build context",
	Rationale: "A .git (or .svn, .hg, .bzr) directory holds the whole history of the project, often hundreds of " +
		"megabytes, and changes on every commit, fetch and checkout. Sent to the builder it slows every build; " +
		"copied by `COPY . .` it ships the history, old secrets included, in the image and breaks the layer " +
		"cache whenever Git touches it. Stamp the revision with a build argument instead. A directory the " +
		"Dockerfile reads by name (`COPY .git …`, a bind mount) or that an exception (`!.git`) sends on " +
		"purpose is not reported.",
	Severity: lint.Warning,
	Practice: []string{"P21", "P30"},
	Scope:    lint.ScopeContext,
	Bad:      "-- Dockerfile --\nFROM golang:1.23\nCOPY . /src\n-- .dockerignore --\nbin\n-- .git/HEAD --\nref: refs/heads/main\n-- main.go --\npackage main\n",
	Good:     "-- Dockerfile --\nFROM golang:1.23\nCOPY . /src\n-- .dockerignore --\nbin\n.git\n-- .git/HEAD --\nref: refs/heads/main\n-- main.go --\npackage main\n",
	Check: func(p *lint.Pass) {
		reportPaths(p, sentDirsNamed(p, ".git", ".svn", ".hg", ".bzr"), func(x ctxPath) string {
			what := map[string]string{".git": "Git", ".svn": "Subversion", ".hg": "Mercurial", ".bzr": "Bazaar"}[path.Base(x.path)]
			return fmt.Sprintf("`%s` sends %s of %s history to the builder on every build, and `COPY . .` puts it in "+
				"the image; no build step needs it (pass the revision as a build argument): %s",
				x.path, sizeOf(x.sent), what, addLine(x))
		})
	},
}
