package rules

import (
	"fmt"
	"strings"

	"github.com/shipshape-dev/shipshape/layers"
	"github.com/shipshape-dev/shipshape/lint"
)

// SSHPortExposed: P48.
var SSHPortExposed = &lint.Rule{
	Code:  "IM409",
	Name:  "ssh-port-exposed",
	Title: "Do not expose port 22",
	Rationale: "EXPOSE 22 announces an SSH server: tools that publish exposed ports (`docker run -P`, some " +
		"platforms) open it to the network. Containers are reached with `docker exec` or `kubectl exec`; if " +
		"the image really serves SSH (a Git server, a bastion), silence the check for it.",
	Severity: lint.Warning,
	Practice: []string{"P48", "P46"},
	Scope:    lint.ScopeImage,
	Bad:      "FROM debian:bookworm-slim\nEXPOSE 22 8080\n",
	Good:     "FROM debian:bookworm-slim\nEXPOSE 8080\n",
	Check:    checkSSHPortExposed,
}

func checkSSHPortExposed(p *lint.Pass) {
	cfg := p.Image.Config()
	found := ""
	for port := range cfg.Config.ExposedPorts {
		if n, _, _ := strings.Cut(port, "/"); n == "22" {
			found = port
		}
	}
	if found == "" {
		return
	}
	hist := -1
	for i, h := range cfg.History {
		if layers.InstructionOf(h.CreatedBy) == "EXPOSE" && strings.Contains(h.CreatedBy, "22") {
			hist = i
		}
	}
	fix := "remove 22 from EXPOSE (and the SSH server with it); use `docker exec` or `kubectl exec` to reach containers"
	p.ReportConfig(hist, fix, fmt.Sprintf("the image exposes port %s (SSH)%s: `docker run -P` and platforms that publish "+
		"exposed ports open it to the network. Fix: %s", found, historyWhere(p, hist), fix))
}
