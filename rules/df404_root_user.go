package rules

import (
	"strings"

	"github.com/shipshape-dev/shipshape/dockerfile"
	"github.com/shipshape-dev/shipshape/lint"
)

// RootUser: P40.
var RootUser = &lint.Rule{
	Code:  "DF404",
	Name:  "root-user",
	Title: "Do not end the final stage as root",
	Rationale: "The last USER of the final stage is the user the container runs as. As root, a compromised " +
		"process can change anything in the container, read every mounted secret, and is one kernel or " +
		"runtime bug away from root on the host. Do the steps that need root first, then switch to an " +
		"unprivileged user.",
	Severity: lint.Warning,
	Aliases:  []string{"DL3002"},
	Practice: []string{"P40"},
	Bad: "FROM node:20.11-slim\nWORKDIR /app\nCOPY --chown=node:node . .\nUSER node\nRUN npm ci --omit=dev\n" +
		"USER root\nCMD [\"node\", \"server.js\"]\n",
	Good: "FROM node:20.11-slim\nWORKDIR /app\nCOPY --chown=node:node . .\nUSER node\nRUN npm ci --omit=dev\n" +
		"CMD [\"node\", \"server.js\"]\n",
	Check: func(p *lint.Pass) {
		final := p.File.FinalStage()
		if final == nil {
			return
		}
		last := lastUser(final)
		if last == nil || !userIsRoot(userValue(last)) {
			return
		}
		// Images that start as root and step down in their entrypoint (gosu, su-exec)
		// need root at start.
		if dropsPrivileges(p, final) {
			return
		}
		args := last.Args
		u := strings.TrimSpace(args.S)
		start, end := textRange(&args, 0, len(u))
		where := "the final stage,"
		if last.Stage != final {
			where = "stage " + quoteShort(last.Stage.Ref(), 40) + ", which the final stage is built FROM,"
		}
		fix := "create an unprivileged user (`RUN useradd --system --uid 10001 app`, or `adduser -D -u 10001 app` on Alpine) " +
			"and end with `USER 10001` after the steps that need root"
		if prev := earlierUser(final, last); prev != "" {
			fix = "switch back with `USER " + prev + "` after the steps that need root"
		}
		p.Report(start, end, "`USER "+u+"` is the last USER of "+where+" so the container runs as root: a compromised process "+
			"owns the container and its mounted secrets; "+fix)
	},
}

// earlierUser returns the non-root user an earlier USER of the chain switched
// to, or "".
func earlierUser(final *dockerfile.Stage, last *dockerfile.Instruction) string {
	prev := ""
	for _, in := range chainInstructions(final) {
		if in == last {
			break
		}
		if u := strings.TrimSpace(userValue(in)); in.Name == "user" && !userIsRoot(u) && !strings.Contains(u, "$") {
			prev = u
		}
	}
	return prev
}
