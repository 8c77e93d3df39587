package rules

import (
	"strings"

	"github.com/shipshape-dev/shipshape/lint"
)

// TrustedRegistry: P02.
var TrustedRegistry = &lint.Rule{
	Code:  "DF102",
	Name:  "trusted-registry",
	Title: "Pull base images only from trusted registries",
	Rationale: "A base image is code that runs in every build and ships in every container, so where it comes " +
		"from is a supply-chain decision. When `trusted-registries` is configured (hadolint's " +
		"`trustedRegistries` is read too), every FROM image must come from one of them; images without a " +
		"registry come from docker.io. `*.example.com` trusts the subdomains of example.com and `*` trusts any.",
	Severity: lint.Error,
	Aliases:  []string{"DL3026"},
	Practice: []string{"P02"},
	Bad:      "FROM quay.io/acme/base:1.4\nRUN echo hello\n",
	Good:     "FROM docker.io/library/debian:12-slim\nRUN echo hello\n",
	Check: func(p *lint.Pass) {
		trusted := p.TrustedRegistries()
		if len(trusted) == 0 {
			return
		}
		for _, s := range p.File.Stages {
			img, ok := stageImage(p.File, s)
			if !ok || registryTrusted(img.Image, trusted) {
				continue
			}
			host := img.Image.Host()
			reportFromImage(p, s, describeFrom(img)+" is pulled from `"+host+"`, which is not a trusted registry ("+
				quotedList(trusted)+"); use an image from a trusted registry, or add `"+host+
				"` to `trusted-registries` in the configuration if it is one")
		}
	},
}

// registryTrusted reports whether the image's registry matches one of the
// patterns: a host (`docker.io`), a wildcard for its subdomains (`*.gcr.io`),
// `*`, or a host with a repository prefix (`ghcr.io/acme`).
func registryTrusted(r imageRef, trusted []string) bool {
	host := r.Host()
	repo := strings.ToLower(r.Repo)
	if host == "docker.io" && !strings.Contains(repo, "/") {
		repo = "library/" + repo
	}
	for _, t := range trusted {
		t = strings.TrimSuffix(strings.ToLower(strings.TrimSpace(t)), "/")
		switch {
		case t == "*":
			return true
		case strings.HasPrefix(t, "*."):
			if strings.HasSuffix(host, t[1:]) {
				return true
			}
		default:
			th, prefix, hasPrefix := strings.Cut(t, "/")
			if (imageRef{Registry: th}).Host() != host {
				continue
			}
			if !hasPrefix || repo == prefix || strings.HasPrefix(repo, prefix+"/") {
				return true
			}
		}
	}
	return false
}
