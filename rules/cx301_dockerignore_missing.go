package rules

import (
	"fmt"

	"github.com/shipshape-dev/shipshape/buildctx"
	"github.com/shipshape-dev/shipshape/lint"
)

// DockerignoreMissing: P30.
var DockerignoreMissing = &lint.Rule{
	Code:  "CX301",
	Name:  "dockerignore-missing",
	Title: "The build context has a .dockerignore",
	Rationale: "Without a .dockerignore every file under the context directory goes to the builder on every " +
		"build: Git history, dependency folders, local build output, logs, editor files and credentials. It " +
		"slows the build down, and `COPY . .` puts all of it in the image. The other CX findings list the " +
		"lines to start the file with; `shipshape context --write-dockerignore` writes them.",
	Severity: lint.Warning,
	Practice: []string{"P30"},
	Scope:    lint.ScopeContext,
	Bad:      "-- Dockerfile --\nFROM node:22-slim\nCOPY . /app\n-- package.json --\n{\"name\": \"app\"}\n",
	Good:     "-- Dockerfile --\nFROM node:22-slim\nCOPY . /app\n-- .dockerignore --\n.git\nnode_modules\n-- package.json --\n{\"name\": \"app\"}\n",
	Check: func(p *lint.Pass) {
		c := p.Context
		if c.IgnoreFile != "" {
			return
		}
		p.ReportPath(".dockerignore", 0, "", fmt.Sprintf("there is no .dockerignore, so every file of the context "+
			"(%s, %s) goes to the builder on every build and `COPY . .` puts it in the image; create one: "+
			"`shipshape context --write-dockerignore` starts it with the lines the other findings suggest",
			nFiles(c.SentFiles), buildctx.HumanBytes(c.SentBytes)))
	},
}
