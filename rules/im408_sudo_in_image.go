package rules

import (
	"github.com/shipshape-dev/shipshape/lint"
)

// SudoInImage: P41.
var SudoInImage = &lint.Rule{
	Code:  "IM408",
	Name:  "sudo-in-image",
	Title: "No sudo in the image",
	Rationale: "sudo exists to let a person become root after typing a password; in a container nobody types " +
		"one, so it is either configured to need none — which makes the unprivileged user root in all but " +
		"name — or useless. It is also a setuid program with a long history of vulnerabilities, and it " +
		"keeps a terminal and signals between itself and the application. Entry points that start as root " +
		"and step down use gosu or su-exec; everything else belongs in the Dockerfile's RUN steps, which " +
		"run as root anyway. Reported when the final filesystem has the sudo program.",
	Severity: lint.Warning,
	Practice: []string{"P41"},
	Scope:    lint.ScopeImage,
	Bad:      "FROM debian:bookworm-slim\nRUN apt-get update && apt-get install -y --no-install-recommends sudo \\\n && rm -rf /var/lib/apt/lists/*\nUSER app\n",
	Good:     "FROM debian:bookworm-slim\nRUN apt-get update && apt-get install -y --no-install-recommends gosu \\\n && rm -rf /var/lib/apt/lists/*\n",
	Check: func(p *lint.Pass) {
		reportProgram(p, []string{"usr/bin/sudo", "bin/sudo", "usr/local/bin/sudo"}, "sudo", "sudo",
			"in a container nobody types a password, so it either makes the app user root in all but name or does nothing",
			"remove sudo; run root steps in RUN, and step down in the entrypoint with `gosu`/`su-exec` if it must start as root")
	},
}
