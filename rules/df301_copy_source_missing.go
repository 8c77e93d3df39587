package rules

import (
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/shipshape-dev/shipshape/buildctx"
	"github.com/shipshape-dev/shipshape/dockerfile"
	"github.com/shipshape-dev/shipshape/lint"
)

// CopySourceMissing: P36.
var CopySourceMissing = &lint.Rule{
	Code:  "DF301",
	Name:  "copy-source-missing",
	Title: "COPY and ADD only what the build context has",
	Rationale: "A COPY or ADD source that names nothing in the build context stops the build at that line " +
		"(\"failed to compute cache key: … not found\"), often only in CI, where the context is a fresh " +
		"checkout without the file someone had locally. shipshape resolves each source against the context " +
		"as BuildKit does: relative to the context root whatever WORKDIR says, wildcards per path element, " +
		"letter case exact. A wildcard that matches nothing is no error for BuildKit, so it is not reported, " +
		"and neither is a path that a build step likely makes before `docker build` runs (under target/, " +
		"dist/, build/, bin/, node_modules/, vendor/ and the like, or listed in the context's .gitignore). " +
		"This rule needs the build context: the Dockerfile's directory, or `--context DIR`.",
	Severity: lint.Error,
	Practice: []string{"P36"},
	Bad:      "FROM python:3.12-slim\nWORKDIR /app\nCOPY requirements.txt .\nRUN pip install --no-cache-dir -r requirements.txt\n",
	Good:     "FROM python:3.12-slim\nWORKDIR /app\nCOPY requirements/base.txt requirements.txt\nRUN pip install --no-cache-dir -r requirements.txt\n",
	Check: eachResolvedSource(func(p *lint.Pass, in *dockerfile.Instruction, r *buildctx.Resolver, src string, res buildctx.Resolution) {
		if !res.Missing || res.Wildcard || builtBeforeDockerBuild(r.Context(), res.Path) {
			return
		}
		hint := "fix the path or add the file to the context"
		if s := r.Suggest(res.Path); s != "" {
			hint = "did you mean `" + s + "`?"
		}
		reportSource(p, in, src, "`"+dcKeyword(in)+" "+src+"`: `"+res.Path+"` is not in the build context, "+
			"so the build stops at this line with \"not found\"; "+hint)
	}),
}

// buildOutputDirs are where build tools put what a Dockerfile then copies
// (`mvn package` → target/, `npm run build` → dist/, `go mod vendor` → vendor/).
var buildOutputDirs = map[string]bool{
	"target": true, "dist": true, "build": true, "out": true, "bin": true, "obj": true, ".build": true,
	"_build": true, "release": true, "publish": true, "artifacts": true, "output": true, ".next": true,
	"node_modules": true, "vendor": true,
}

// builtBeforeDockerBuild reports whether a missing path is most likely made by a
// build step that runs before `docker build` (under a build output directory,
// or listed in the context's .gitignore): a fresh checkout lacks it, the build
// does not.
func builtBeforeDockerBuild(c *buildctx.Context, p string) bool {
	first, _, _ := strings.Cut(p, "/")
	if buildOutputDirs[first] {
		return true
	}
	if c.Dir == "" {
		return false
	}
	data, err := os.ReadFile(filepath.Join(c.Dir, ".gitignore"))
	if err != nil || len(data) > dcMaxRead {
		return false
	}
	elems := strings.Split(p, "/")
	for _, line := range strings.Split(string(data), "\n") {
		pat := strings.TrimSpace(line)
		if pat == "" || strings.HasPrefix(pat, "#") || strings.HasPrefix(pat, "!") {
			continue
		}
		pat = strings.TrimSuffix(pat, "/")
		anchored := strings.Contains(strings.TrimPrefix(pat, "/"), "/") || strings.HasPrefix(pat, "/")
		pat = strings.TrimPrefix(pat, "/")
		for i := range elems {
			// a pattern with a slash matches from the root, one without at any depth
			target := strings.Join(elems[:i+1], "/")
			if !anchored {
				target = elems[i]
			}
			if ok, _ := path.Match(pat, target); ok {
				return true
			}
		}
	}
	return false
}
