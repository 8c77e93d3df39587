package rules

import (
	"fmt"

	"github.com/shipshape-dev/shipshape/layers"
	"github.com/shipshape-dev/shipshape/lint"
)

// SSHDInImage: P48.
var SSHDInImage = &lint.Rule{
	Code:  "IM407",
	Name:  "sshd-in-image",
	Title: "No SSH server in the image",
	Rationale: "An SSH server in a container is a second way in, with its own keys and passwords to manage, " +
		"and a second process to supervise. `docker exec` and `kubectl exec` reach a running container " +
		"without it, and `kubectl debug` attaches tools when they are needed. Reported when the final " +
		"filesystem has the sshd program.",
	Severity: lint.Warning,
	Practice: []string{"P48"},
	Scope:    lint.ScopeImage,
	Bad:      "FROM debian:bookworm-slim\nRUN apt-get update && apt-get install -y --no-install-recommends openssh-server \\\n && rm -rf /var/lib/apt/lists/*\n",
	Good:     "FROM debian:bookworm-slim\nRUN apt-get update && apt-get install -y --no-install-recommends openssh-client \\\n && rm -rf /var/lib/apt/lists/*\n",
	Check: func(p *lint.Pass) {
		reportProgram(p, []string{"usr/sbin/sshd", "sbin/sshd", "usr/local/sbin/sshd"}, "an SSH server", "openssh-server",
			"it is a second way into the container, with keys and passwords to manage",
			"remove the SSH server (`openssh-server`) and its EXPOSE 22; reach containers with `docker exec` or `kubectl exec`")
	},
}

// reportProgram reports the layer that holds the first of paths present in
// the final filesystem.
func reportProgram(p *lint.Pass, paths []string, what, pkg, why, fix string) {
	t := p.Image
	for _, q := range paths {
		e := t.Merged.Get(q)
		if e == nil || e.Kind != layers.Regular {
			continue
		}
		ref, ok := imRef(t, q)
		if !ok {
			return
		}
		layer := int(ref.Layer)
		step := imStep(p, layer)
		p.ReportLayer(layer, []lint.ImagePath{{Path: "/" + q, Bytes: e.Size, Files: 1}}, 0, fix,
			fmt.Sprintf("%s installs %s (`/%s`, package %s): %s. Fix: %s (in %s)", imAt(p, layer), what, q, pkg, why, fix, step))
		return
	}
}
