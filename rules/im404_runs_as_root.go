package rules

import (
	"fmt"
	"strings"

	"github.com/shipshape-dev/shipshape/layers"
	"github.com/shipshape-dev/shipshape/lint"
)

// RunsAsRoot: P40.
var RunsAsRoot = &lint.Rule{
	Code:  "IM404",
	Name:  "runs-as-root",
	Title: "Run the container as an unprivileged user",
	Rationale: "The image config's User is who the main process runs as. Empty, `root` or `0` means root: " +
		"whoever takes over the application owns the container, can change any file in it, and is root on " +
		"the host as well when the runtime does not remap user IDs and a kernel or runtime bug lets them " +
		"out. Create a user in the image and end the final stage with `USER` (a numeric ID lets Kubernetes " +
		"verify `runAsNonRoot`). Entry points that must start as root to step down (gosu, su-exec) are the " +
		"exception: silence the check for those images.",
	Severity: lint.Warning,
	Practice: []string{"P40"},
	Scope:    lint.ScopeImage,
	Bad:      "FROM python:3.12-slim\nWORKDIR /app\nCOPY app/ ./app/\nCMD [\"python\", \"-m\", \"app\"]\n",
	Good: "FROM python:3.12-slim\nRUN useradd --system --uid 10001 --no-create-home app\nWORKDIR /app\nCOPY app/ ./app/\n" +
		"USER 10001\nCMD [\"python\", \"-m\", \"app\"]\n",
	Check: checkRunsAsRoot,
}

func checkRunsAsRoot(p *lint.Pass) {
	cfg := p.Image.Config()
	user := strings.TrimSpace(cfg.Config.User)
	name, _, _ := strings.Cut(user, ":")
	if name != "" && name != "root" && name != "0" {
		return
	}
	hist := -1
	for i, h := range p.Image.Config().History {
		if layers.InstructionOf(h.CreatedBy) == "USER" {
			hist = i
		}
	}
	how := "no USER is set"
	if hist >= 0 && user != "" {
		how = fmt.Sprintf("`USER %s`%s sets it", user, historyWhere(p, hist))
	} else {
		hist = -1
	}
	fix := "create an unprivileged user (`RUN useradd --system --uid 10001 --no-create-home app`, or `adduser -S -u 10001 app` on Alpine) " +
		"and add `USER 10001` as the last USER of the final stage"
	p.ReportConfig(hist, fix, fmt.Sprintf("the image runs as root (%s): whoever takes over the application owns the container, "+
		"and the host too if the runtime does not remap users. Fix: %s", how, fix))
}
