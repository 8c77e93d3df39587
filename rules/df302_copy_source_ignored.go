package rules

import (
	"github.com/shipshape-dev/shipshape/buildctx"
	"github.com/shipshape-dev/shipshape/dockerfile"
	"github.com/shipshape-dev/shipshape/lint"
)

// CopySourceIgnored: P36.
var CopySourceIgnored = &lint.Rule{
	Code:  "DF302",
	Name:  "copy-source-ignored",
	Title: "Do not COPY what .dockerignore keeps out of the context",
	Rationale: "The builder only receives what the ignore file lets through, so a COPY or ADD of an excluded " +
		"path stops the build with \"not found\" although the file is right there on disk, and a wildcard " +
		"whose every match is excluded silently copies nothing. shipshape applies the ignore file as BuildKit " +
		"does (the Dockerfile-specific `<Dockerfile>.dockerignore` first, `!` exceptions, `**`) and names the " +
		"line that excludes the source. This rule needs the build context: the Dockerfile's directory, or " +
		"`--context DIR`.",
	Severity: lint.Error,
	Practice: []string{"P36"},
	Bad:      "FROM nginx:1.27-alpine\nCOPY dist/ /usr/share/nginx/html/\n",
	Good:     "FROM nginx:1.27-alpine\nCOPY public/ /usr/share/nginx/html/\n",
	Check: eachResolvedSource(func(p *lint.Pass, in *dockerfile.Instruction, r *buildctx.Resolver, src string, res buildctx.Resolution) {
		if !res.Excluded {
			return
		}
		by, fix := "the ignore file", "remove the pattern that excludes it"
		if res.Rule != nil {
			by = res.Rule.String()
			fix = "remove that line"
		}
		if !res.Wildcard {
			fix += ", or add `!" + res.Path + "` after it"
			reportSource(p, in, src, "`"+dcKeyword(in)+" "+src+"`: `"+res.Path+"` is excluded by "+by+
				", so the builder never receives it and the build stops at this line with \"not found\"; "+fix)
			return
		}
		reportSource(p, in, src, "`"+dcKeyword(in)+" "+src+"`: everything it matches is excluded by "+by+
			", so this copies nothing and whatever needs those files fails later; "+fix+
			", or add `!"+res.Path+"` after it")
	}),
}
