package rules

import (
	"fmt"
	"path"
	"regexp"
	"strings"

	"github.com/shipshape-dev/shipshape/buildctx"
	"github.com/shipshape-dev/shipshape/lint"
)

// LogFileSent: P21.
var LogFileSent = &lint.Rule{
	Code:  "CX305",
	Name:  "log-file-sent",
	Title: "Log files stay out of the build context",
	Rationale: "Log files (`*.log`, rotated `*.log.1`) change every time the application or a tool runs. " +
		"Sent with the context, `COPY . .` copies them into the image and its layer is rebuilt, with every " +
		"step after it, whenever a log grows; and logs often hold tokens, URLs with passwords and personal " +
		"data. Several log files share one line, `**/*.log`, when it excludes nothing else.",
	Severity: lint.Info,
	Practice: []string{"P21"},
	Scope:    lint.ScopeContext,
	Bad:      "-- Dockerfile --\nFROM node:22-slim\nCOPY . /app\n-- .dockerignore --\n.git\nnode_modules\n-- npm-debug.log --\n0 info it worked if it ends with ok\n",
	Good:     "-- Dockerfile --\nFROM node:22-slim\nCOPY . /app\n-- .dockerignore --\n.git\nnode_modules\n**/*.log\n-- npm-debug.log --\n0 info it worked if it ends with ok\n",
	Check: func(p *lint.Pass) {
		c := p.Context
		srcs := contextSources(p.File)
		var logs, others []ctxPath
		for _, f := range c.Files {
			if f.Ignored || !isLogFile(f.Path) || c.Reincluded(f.Path) || needed(srcs, f.Path) {
				continue
			}
			x := ctxPath{path: f.Path, sent: buildctx.Usage{Files: 1, Bytes: f.Size}, line: ignoreLine(f.Path)}
			if strings.HasSuffix(f.Path, ".log") {
				logs = append(logs, x)
			} else {
				others = append(others, x) // rotated logs, .LOG
			}
		}
		shareGlob(c, logs, "*.log")
		reportPaths(p, append(logs, others...), func(x ctxPath) string {
			return fmt.Sprintf("`%s` is a log file (%s): `COPY . .` puts it in the image and rebuilds that layer "+
				"whenever it grows, and logs often hold tokens and personal data: %s",
				x.path, buildctx.HumanBytes(x.sent.Bytes), addLine(x))
		})
	},
}

var rotatedLog = regexp.MustCompile(`\.log\.[0-9]+(\.gz)?$`)

func isLogFile(p string) bool {
	b := strings.ToLower(path.Base(p))
	return strings.HasSuffix(b, ".log") || strings.Contains(b, ".log.") && rotatedLog.MatchString(b)
}
