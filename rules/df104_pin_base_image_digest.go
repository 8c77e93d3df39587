package rules

import (
	"github.com/shipshape-dev/shipshape/lint"
)

// PinBaseImageDigest: P04.
var PinBaseImageDigest = &lint.Rule{
	Code:  "DF104",
	Name:  "pin-base-image-digest",
	Title: "Pin base images by digest",
	Rationale: "Tags are mutable: publishers re-push `debian:12-slim` for every security update, and a compromised " +
		"or mistaken push reaches every build that names the tag. A digest (`@sha256:…`) names exactly one image, " +
		"so builds are reproducible and reviewable; a bot such as Renovate or Dependabot keeps it current. Off by " +
		"default because it trades automatic base updates for that exactness.",
	Severity: lint.Info,
	Disabled: true,
	Practice: []string{"P04"},
	Bad:      "FROM debian:12-slim\nRUN echo hello\n",
	Good:     "FROM debian:12-slim@sha256:ad86386827b083b3d71139050b47ffb32bbd9559ea9b1345a739b14fec2d9ecf\nRUN echo hello\n",
	Check: func(p *lint.Pass) {
		for _, s := range p.File.Stages {
			img, ok := stageImage(p.File, s)
			if !ok || img.Image.Digest != "" {
				continue
			}
			ref, what := img.Ref, " is pinned by tag only, and tags are re-pushed"
			if img.Image.Tag == "" {
				what = " has neither tag nor digest: it follows `latest`, which is re-pushed"
			}
			reportFromImage(p, s, describeFrom(img)+what+", so two builds can "+
				"start from different images; add the digest, e.g. `"+ref+"@sha256:<digest>` (`docker buildx imagetools "+
				"inspect "+ref+"` prints it)")
		}
	},
}
