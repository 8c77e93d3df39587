package rules

import (
	"fmt"
	"sort"
	"strings"

	"github.com/shipshape-dev/shipshape/lint"
)

// NoHealthcheck: P50.
var NoHealthcheck = &lint.Rule{
	Code:  "IM411",
	Name:  "no-healthcheck",
	Title: "Give a service image a HEALTHCHECK",
	Rationale: "A HEALTHCHECK lets Docker and Swarm tell a container that runs from one that serves: without " +
		"it, a hung process counts as healthy until someone notices. Reported, as information, for images " +
		"that expose a port (services); Kubernetes ignores HEALTHCHECK and uses its own probes, so images " +
		"deployed only there can turn the check off. OCI-format images cannot record a HEALTHCHECK at all " +
		"(builders drop it): when the Dockerfile given with --dockerfile has one, nothing is reported.",
	Severity: lint.Info,
	Practice: []string{"P50"},
	Scope:    lint.ScopeImage,
	Bad:      "FROM nginx:1.27\nEXPOSE 80\n",
	Good:     "FROM nginx:1.27\nEXPOSE 80\nHEALTHCHECK --interval=30s --timeout=3s CMD curl -fsS http://localhost/ || exit 1\n",
	Check:    checkNoHealthcheck,
}

func checkNoHealthcheck(p *lint.Pass) {
	c := p.Image.Config().Config
	if len(c.ExposedPorts) == 0 {
		return
	}
	if h := c.Healthcheck; h != nil && len(h.Test) > 0 && h.Test[0] != "NONE" {
		return
	}
	if f := p.File; f != nil && len(f.Stages) > 0 {
		for _, s := range stageChain(f.Stages[len(f.Stages)-1]) {
			for _, in := range s.Instructions {
				if in.Name == "healthcheck" {
					return // the builder dropped it (OCI format); the Dockerfile has one
				}
			}
		}
	}
	var ports []string
	for port := range c.ExposedPorts {
		ports = append(ports, port)
	}
	sort.Strings(ports)
	first, _, _ := strings.Cut(ports[0], "/")
	for _, port := range ports {
		if n, _, _ := strings.Cut(port, "/"); n != "22" {
			first = n // the service's, not SSH's
			break
		}
	}
	fix := fmt.Sprintf("add a HEALTHCHECK that probes the service, e.g. `HEALTHCHECK CMD curl -fsS http://localhost:%s/ || exit 1` "+
		"(any probe the image can run), or rely on the orchestrator's probes", first)
	p.ReportConfig(-1, fix, fmt.Sprintf("the image exposes %s but has no HEALTHCHECK: Docker cannot tell a hung service "+
		"from a working one. Fix: %s", strings.Join(ports, ", "), fix))
}
