package rules

import (
	"fmt"
	"path"
	"strings"

	"github.com/shipshape-dev/shipshape/buildctx"
	"github.com/shipshape-dev/shipshape/dockerfile"
	"github.com/shipshape-dev/shipshape/lint"
	"github.com/shipshape-dev/shipshape/shell"
)

// DependencyDirSent: P21, P30.
var DependencyDirSent = &lint.Rule{
	Code:  "CX303",
	Name:  "dependency-dir-sent",
	Title: "Installed dependencies, build output and tool caches stay out of the build context",
	Rationale: "node_modules, Python virtual environments and bytecode caches, Maven and Cargo `target`, " +
		"`build` and `dist` output and test-tool caches are made on the developer's machine, for its platform, " +
		"and are often the bulk of a context. Sending them slows every build; `COPY . .` then copies them over " +
		"what the image installed itself and busts the layer cache whenever they change. `target`, `build` and " +
		"`dist` are reported only next to the manifest of a tool that writes them (pom.xml, Cargo.toml, " +
		"package.json, setup.py, …), `vendor` only when the Dockerfile installs it again (`composer install`, " +
		"`go mod vendor`; without a Dockerfile `vendor` is never reported), and nothing the Dockerfile reads by " +
		"name (`COPY target/app.jar …`) or that an exception (`!dist`) sends on purpose.",
	Severity: lint.Warning,
	Practice: []string{"P21", "P30"},
	Scope:    lint.ScopeContext,
	Bad: "-- Dockerfile --\nFROM node:22-slim\nWORKDIR /app\nCOPY . .\nRUN npm ci\n-- .dockerignore --\n.git\n" +
		"-- package.json --\n{\"name\": \"app\"}\n-- node_modules/left-pad/index.js --\nmodule.exports = 1\n",
	Good: "-- Dockerfile --\nFROM node:22-slim\nWORKDIR /app\nCOPY . .\nRUN npm ci\n-- .dockerignore --\n.git\nnode_modules\n" +
		"-- package.json --\n{\"name\": \"app\"}\n-- node_modules/left-pad/index.js --\nmodule.exports = 1\n",
	Check: func(p *lint.Pass) {
		c := p.Context
		var found []ctxPath
		kinds := map[string]depKind{}
		for _, x := range sentDirsNamed(p, dependencyDirNames...) {
			if k, ok := dependencyKind(p, c, x.path); ok {
				kinds[x.path] = k
				found = append(found, x)
			}
		}
		// several node_modules or __pycache__ directories share one line
		for _, name := range []string{"node_modules", "__pycache__"} {
			var same []*ctxPath
			var lines []ctxPath
			for i := range found {
				if path.Base(found[i].path) == name {
					same = append(same, &found[i])
					lines = append(lines, found[i])
				}
			}
			shareGlob(c, lines, name)
			for i, x := range same {
				x.line = lines[i].line
			}
		}
		reportPaths(p, found, func(x ctxPath) string {
			k := kinds[x.path]
			return fmt.Sprintf("`%s` sends %s of %s to the builder on every build; %s: %s",
				x.path, sizeOf(x.sent), k.what, k.advice, addLine(x))
		})
	},
}

var dependencyDirNames = []string{"node_modules", "bower_components", "venv", ".venv", "__pycache__", "target", "build", "dist",
	"vendor", ".tox", ".nox", ".pytest_cache", ".mypy_cache", ".ruff_cache", ".gradle"}

// depKind is what a dependency directory holds and what to do about it.
type depKind struct{ what, advice string }

var (
	jsPackages = depKind{"installed JavaScript packages",
		"the image should install its own (`npm ci` in the Dockerfile), for its platform, and `COPY . .` copies these over them"}
	virtualenv = depKind{"a Python virtual environment",
		"it only works with the Python and the paths it was made with; install from the requirements in the image"}
	pycache   = depKind{"Python bytecode caches", "Python writes them again when it runs"}
	toolCache = depKind{"a test or lint tool's cache", "no build step needs it"}
)

// dependencyKind says what the directory at p holds; false when it is not
// what its name suggests (a `build` directory of scripts, a `venv` that is no
// virtual environment, a `vendor` the image uses as it is).
func dependencyKind(pass *lint.Pass, c *buildctx.Context, p string) (depKind, bool) {
	parent := path.Dir(p)
	beside := func(names ...string) string {
		for _, n := range names {
			if _, ok := c.FileAt(path.Join(parent, n)); ok {
				return n
			}
		}
		return ""
	}
	output := func(manifest string) depKind {
		return depKind{"build output", "the build in the image makes it again from " + manifest +
			", or the Dockerfile should COPY the one artefact it needs by name"}
	}
	switch name := path.Base(p); name {
	case "node_modules", "bower_components":
		return jsPackages, true
	case "venv", ".venv":
		_, ok := c.FileAt(p + "/pyvenv.cfg")
		return virtualenv, ok
	case "__pycache__":
		return pycache, true
	case "target":
		if m := beside("pom.xml", "Cargo.toml", "build.sbt", "project.clj"); m != "" {
			return output(m), true
		}
	case "build", "dist":
		if m := beside("package.json", "setup.py", "pyproject.toml", "build.gradle", "build.gradle.kts", "CMakeLists.txt"); m != "" && !holdsDockerfiles(c, p) {
			return output(m), true
		}
	case "vendor":
		switch {
		case beside("composer.json") != "" && runsCommand(pass, "composer", "install"):
			return depKind{"installed PHP packages", "`composer install` in the Dockerfile installs them again"}, true
		case beside("go.mod") != "" && runsCommand(pass, "go", "mod", "vendor"):
			return depKind{"vendored Go modules", "`go mod vendor` in the Dockerfile vendors them again"}, true
		}
	case ".gradle":
		return depKind{"Gradle's project cache", "the build in the image makes its own"}, true
	default:
		return toolCache, true
	}
	return depKind{}, false
}

// holdsDockerfiles reports a directory of build scripts rather than output:
// it holds a Dockerfile or an ignore file.
func holdsDockerfiles(c *buildctx.Context, p string) bool {
	for _, f := range c.FilesUnder(p) {
		b := strings.ToLower(path.Base(f.Path))
		if strings.HasPrefix(b, "dockerfile") || strings.HasSuffix(b, ".dockerfile") || strings.HasPrefix(b, "containerfile") ||
			strings.HasSuffix(b, ".dockerignore") {
			return true
		}
	}
	return false
}

// runsCommand reports whether a RUN of f runs prog with the given leading
// positional arguments (`composer install`, `go mod vendor`).
func runsCommand(p *lint.Pass, prog string, args ...string) bool {
	if p.File == nil {
		return false
	}
	found := false
	p.Scripts(func(_ *dockerfile.Instruction, s *shell.Script) {
		for _, cmd := range s.Commands {
			pos := cmd.Positionals()
			if cmd.Name != prog || len(pos) < len(args) {
				continue
			}
			match := true
			for i, a := range args {
				match = match && pos[i].Value == a
			}
			found = found || match
		}
	})
	return found
}
