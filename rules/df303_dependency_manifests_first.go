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

// DependencyManifestsFirst: P31.
var DependencyManifestsFirst = &lint.Rule{
	Code:  "DF303",
	Name:  "dependency-manifests-first",
	Title: "Copy the dependency manifests and install before copying the source",
	Rationale: "BuildKit reuses a RUN from its cache only while everything before it is unchanged, and a COPY " +
		"changes whenever any file it copies does. After `COPY . .`, the dependency install that follows runs " +
		"again on every edit of any source file, downloading the same packages each time. Copy the manifests " +
		"and lock files alone, install, then copy the rest: the install layer then changes only when the " +
		"dependencies do. With the build context at hand the message names the manifests the context has " +
		"(and stays silent when the copy holds none); without it, the usual ones of the package manager. An " +
		"install whose RUN keeps the downloads in a cache mount is not reported.",
	Severity: lint.Warning,
	Practice: []string{"P31"},
	Bad:      "FROM node:22-slim\nWORKDIR /app\nCOPY . .\nRUN npm ci\nCMD [\"node\", \"server.js\"]\n",
	Good:     "FROM node:22-slim\nWORKDIR /app\nCOPY package.json package-lock.json ./\nRUN npm ci\nCOPY . .\nCMD [\"node\", \"server.js\"]\n",
	Check:    checkManifestsFirst,
}

// depEcosystem is a family of dependency installs and the files they read.
type depEcosystem struct {
	name      string
	manifests []string // base names or patterns of the manifests and lock files, in the order messages list them
	usual     []string // what to name without a context
}

var (
	ecoNpm      = &depEcosystem{"npm", []string{"package.json", "package-lock.json", "npm-shrinkwrap.json"}, []string{"package.json", "package-lock.json"}}
	ecoYarn     = &depEcosystem{"yarn", []string{"package.json", "yarn.lock", ".yarnrc.yml", ".yarnrc"}, []string{"package.json", "yarn.lock"}}
	ecoPnpm     = &depEcosystem{"pnpm", []string{"package.json", "pnpm-lock.yaml", "pnpm-workspace.yaml"}, []string{"package.json", "pnpm-lock.yaml"}}
	ecoPip      = &depEcosystem{"pip", []string{"requirements*.txt", "pyproject.toml", "setup.py", "setup.cfg", "constraints*.txt"}, []string{"requirements.txt"}}
	ecoPoetry   = &depEcosystem{"poetry", []string{"pyproject.toml", "poetry.lock"}, []string{"pyproject.toml", "poetry.lock"}}
	ecoPipenv   = &depEcosystem{"pipenv", []string{"Pipfile", "Pipfile.lock"}, []string{"Pipfile", "Pipfile.lock"}}
	ecoUv       = &depEcosystem{"uv", []string{"pyproject.toml", "uv.lock"}, []string{"pyproject.toml", "uv.lock"}}
	ecoGo       = &depEcosystem{"go", []string{"go.mod", "go.sum", "go.work", "go.work.sum"}, []string{"go.mod", "go.sum"}}
	ecoBundler  = &depEcosystem{"bundler", []string{"Gemfile", "Gemfile.lock", "*.gemspec"}, []string{"Gemfile", "Gemfile.lock"}}
	ecoMaven    = &depEcosystem{"maven", []string{"pom.xml"}, []string{"pom.xml"}}
	ecoGradle   = &depEcosystem{"gradle", []string{"build.gradle", "build.gradle.kts", "settings.gradle", "settings.gradle.kts", "gradle.properties"}, []string{"build.gradle", "settings.gradle"}}
	ecoCargo    = &depEcosystem{"cargo", []string{"Cargo.toml", "Cargo.lock"}, []string{"Cargo.toml", "Cargo.lock"}}
	ecoComposer = &depEcosystem{"composer", []string{"composer.json", "composer.lock"}, []string{"composer.json", "composer.lock"}}
)

// ecoCaches are parts of the cache mount targets that keep an ecosystem's
// downloads across builds: with one, a rebuilt install downloads nothing again,
// which is what the rule is about.
var ecoCaches = map[*depEcosystem][]string{
	ecoNpm: {".npm"}, ecoYarn: {"yarn"}, ecoPnpm: {"pnpm"}, ecoPip: {".cache/pip", ".cache/uv"},
	ecoPoetry: {"pypoetry", ".cache/pip"}, ecoPipenv: {".cache/pip", "pipenv"}, ecoUv: {".cache/uv"},
	ecoGo: {"pkg/mod"}, ecoBundler: {"bundle", "gems"}, ecoMaven: {".m2"}, ecoGradle: {".gradle"},
	ecoCargo: {"cargo"}, ecoComposer: {"composer"},
}

// cachesDownloads reports whether a RUN keeps the ecosystem's downloads in a cache mount.
func cachesDownloads(in *dockerfile.Instruction, e *depEcosystem) bool {
	return mountMatches(in, func(t string) bool {
		for _, h := range ecoCaches[e] {
			if strings.Contains(t, h) {
				return true
			}
		}
		return false
	})
}

// isManifest reports whether a base name is one of the ecosystem's manifests.
func (e *depEcosystem) isManifest(name string) bool {
	for _, m := range e.manifests {
		if ok, _ := path.Match(m, name); ok {
			return true
		}
	}
	return false
}

// copiesManifest reports whether a COPY source as written names one of the
// ecosystem's manifests: by name, or by a pattern one of them fits
// (`package*.json`, `go.*`), or a requirements directory.
func (e *depEcosystem) copiesManifest(src string) bool {
	base := path.Base(strings.TrimSuffix(src, "/"))
	if e.isManifest(base) || (e == ecoPip && strings.HasPrefix(base, "requirements")) {
		return true
	}
	if !strings.ContainsAny(base, "*?[") {
		return false
	}
	for _, m := range e.manifests {
		if ok, _ := path.Match(base, m); ok && !strings.ContainsAny(m, "*?[") {
			return true
		}
	}
	return false
}

// depInstall is a RUN command that installs what the manifests list.
type depInstall struct {
	eco   *depEcosystem
	label string // how the message quotes it: "npm ci", "go build"
	// first is what to run between copying the manifests and copying the rest:
	// the install itself, or the step of it that needs only the manifests
	// (`go mod download` for `go build`); "" when there is no single command.
	first string
	files []string // files it names itself (pip -r), replacing the usual list
}

func dep(eco *depEcosystem, label string) (depInstall, bool) {
	return depInstall{eco: eco, label: label, first: label}, true
}

// depInstallOf reports whether c installs dependencies from manifests.
func depInstallOf(c *shell.Command) (depInstall, bool) {
	if i, ok := shell.InstallOf(c); ok {
		return jsOrPipInstall(c, i)
	}
	sub := c.Subcommand()
	name := strings.TrimSuffix(c.Name, ".bat")
	prog := c.Prog.Value
	switch {
	case name == "poetry" && (sub == "install" || sub == "sync"):
		d, ok := dep(ecoPoetry, "poetry "+sub)
		d.first = "poetry " + sub + " --no-root"
		return d, ok
	case name == "pipenv" && (sub == "install" || sub == "sync") && len(c.Positionals()) == 1:
		return dep(ecoPipenv, "pipenv "+sub)
	case name == "uv" && sub == "sync":
		d, ok := dep(ecoUv, "uv sync")
		d.first = "uv sync --no-install-project"
		return d, ok
	case name == "go":
		pos := c.Positionals(valueFlagsGo...)
		switch {
		case len(pos) >= 2 && pos[0].Value == "mod" && (pos[1].Value == "download" || pos[1].Value == "tidy"):
			return dep(ecoGo, "go mod "+pos[1].Value)
		case sub == "build":
			d, ok := dep(ecoGo, "go build")
			d.first = "go mod download"
			return d, ok
		}
	case name == "bundle" || name == "bundler":
		if sub == "" || sub == "install" {
			return dep(ecoBundler, "bundle install")
		}
	case name == "mvn" || name == "mvnw":
		d, ok := dep(ecoMaven, strings.TrimSpace(prog+" "+sub))
		d.first = prog + " dependency:go-offline"
		return d, ok
	case name == "gradle" || name == "gradlew":
		d, ok := dep(ecoGradle, strings.TrimSpace(prog+" "+sub))
		d.first = prog + " dependencies"
		return d, ok
	case name == "cargo" && (sub == "build" || sub == "fetch" || sub == "vendor"):
		d, ok := dep(ecoCargo, "cargo "+sub)
		if sub == "build" {
			d.first = "cargo fetch"
		}
		return d, ok
	case name == "composer" && (sub == "install" || sub == "update"):
		d, ok := dep(ecoComposer, "composer "+sub)
		d.first = "composer " + sub + " --no-scripts --no-autoloader"
		return d, ok
	}
	return depInstall{}, false
}

var valueFlagsGo = []string{"-C", "-o", "-p", "-tags", "-ldflags", "-gcflags", "-mod", "-modfile", "-pkgdir", "-toolexec", "-overlay", "-asmflags"}

func jsOrPipInstall(c *shell.Command, i *shell.Install) (depInstall, bool) {
	switch i.Manager {
	case shell.Npm, shell.Yarn, shell.Pnpm:
		if i.Verb == "add" || len(i.Packages) > 0 || c.HasFlag("g", "global") {
			return depInstall{}, false
		}
		eco := map[shell.Manager]*depEcosystem{shell.Npm: ecoNpm, shell.Yarn: ecoYarn, shell.Pnpm: ecoPnpm}[i.Manager]
		label := c.Name + " " + i.Verb
		if i.Manager == shell.Yarn && len(c.Args) == 0 {
			label = "yarn"
		}
		return dep(eco, label)
	case shell.Pip:
		reqs := c.FlagValues("-r", "--requirement")
		if len(reqs) > 0 {
			d, ok := dep(ecoPip, "pip install -r "+reqs[0])
			for _, r := range reqs {
				if !strings.ContainsAny(r, "$`") {
					d.files = append(d.files, path.Clean(r))
				}
			}
			return d, ok
		}
		local := func(v string) bool { v = strings.SplitN(v, "[", 2)[0]; return v == "." || v == "./" }
		for _, e := range c.FlagValues("-e", "--editable") {
			if local(e) {
				return depInstall{eco: ecoPip, label: "pip install -e ."}, true
			}
		}
		for _, w := range i.Packages {
			if local(w.Value) {
				return depInstall{eco: ecoPip, label: "pip install ."}, true
			}
		}
	}
	return depInstall{}, false
}

// broadCopy is a COPY that takes more than the manifests from the context.
type broadCopy struct {
	in       *dockerfile.Instruction
	src      string
	res      *buildctx.Resolution // nil without a context
	reported bool
}

// isRootSource reports whether a source copies the whole context.
func isRootSource(src string) bool {
	p := buildctx.CleanSource(src)
	return p == "." || p == "*"
}

func checkManifestsFirst(p *lint.Pass) {
	for _, s := range p.File.Stages {
		// manifests copied by the stage and the stages it is built on
		var earlier []*dockerfile.Instruction
		for _, b := range stageChain(s) {
			if b != s {
				earlier = append(earlier, b.Instructions...)
			}
		}
		var broad []*broadCopy
		for _, in := range s.Instructions {
			switch in.Name {
			case "copy", "add":
				earlier = append(earlier, in)
				broad = append(broad, broadCopies(p, in)...)
			case "run":
				if len(broad) == 0 {
					continue
				}
				sc := p.Script(in)
				if sc == nil {
					continue
				}
				for _, c := range sc.Commands {
					d, ok := depInstallOf(c)
					if !ok || cachesDownloads(in, d.eco) {
						continue
					}
					reportBroadCopy(p, c, d, broad, earlier)
				}
			}
		}
	}
}

// broadCopies lists the sources of a COPY/ADD that may take more than the
// manifests: the whole context, or (known only with a context) a directory
// or pattern.
func broadCopies(p *lint.Pass, in *dockerfile.Instruction) []*broadCopy {
	srcs, exclude := lint.ContextSources(in)
	var out []*broadCopy
	for _, src := range srcs {
		if isRootSource(src) {
			out = append(out, &broadCopy{in: in, src: src})
		}
	}
	if len(srcs) == 0 {
		return nil
	}
	// Only a COPY that could be broad costs a context walk.
	dirLike := len(out) > 0
	for _, src := range srcs {
		if strings.HasSuffix(src, "/") || strings.ContainsAny(src, "*?[") || path.Ext(src) == "" {
			dirLike = true
		}
	}
	if !dirLike {
		return out
	}
	r := p.Sources()
	if r == nil {
		return out
	}
	out = out[:0]
	for _, src := range srcs {
		res := r.Resolve(src, exclude...)
		if res.Dir || res.Wildcard {
			out = append(out, &broadCopy{in: in, src: src, res: &res})
		}
	}
	return out
}

func reportBroadCopy(p *lint.Pass, c *shell.Command, d depInstall, broad []*broadCopy, earlier []*dockerfile.Instruction) {
	manifestsAt := -1 // the first COPY of the manifests, by instruction index
	for _, in := range earlier {
		if in.Is("copy", "add") && isManifestCopy(in, d) {
			manifestsAt = in.Index
			break
		}
	}
	for _, b := range broad {
		if manifestsAt >= 0 && manifestsAt < b.in.Index {
			return
		}
		if b.reported {
			continue
		}
		names := d.usual()
		if b.res != nil {
			present := manifestsIn(*b.res, d)
			if len(present) == 0 || len(present) == len(b.res.Copies) {
				// it copies no manifest of this install, or nothing else
				continue
			}
			names = present
		}
		b.reported = true
		copyText := dcInstructionText(b.in)
		then := "install the dependencies"
		if d.first != "" {
			then = "run `" + d.first + "`"
		}
		reportSource(p, b.in, b.src, fmt.Sprintf("`%s` at line %d invalidates the `%s` at line %d on every source change, "+
			"so each edit downloads the same dependencies again: copy %s first and %s before `%s`",
			copyText, b.in.Range.Start.Line, d.label, dockerfile.Pos(c.Pos).Line, andList(names), then, copyText))
		return
	}
}

// isManifestCopy reports whether a COPY or ADD (from the context or a stage)
// brings one of the install's manifests.
func isManifestCopy(in *dockerfile.Instruction, d depInstall) bool {
	op, _ := copyOf(in)
	for _, src := range op.Sources {
		if isRootSource(src) {
			continue
		}
		if d.eco.copiesManifest(src) {
			return true
		}
		for _, f := range d.files {
			if path.Base(f) == path.Base(src) {
				return true
			}
		}
	}
	return false
}

// usual returns the files to name when the context cannot tell.
func (d depInstall) usual() []string {
	if len(d.files) > 0 {
		return d.files
	}
	return d.eco.usual
}

// manifestsIn lists the install's manifests at the top of what a source copies,
// in the ecosystem's order.
func manifestsIn(res buildctx.Resolution, d depInstall) []string {
	top := map[string]bool{}
	for _, c := range res.Copies {
		top[c.Rel] = true
	}
	var out []string
	if len(d.files) > 0 {
		for _, f := range d.files {
			if top[f] {
				out = append(out, f)
			}
		}
		return out
	}
	seen := map[string]bool{}
	for _, m := range d.eco.manifests {
		for _, c := range res.Copies {
			if strings.Contains(c.Rel, "/") || seen[c.Rel] {
				continue
			}
			if ok, _ := path.Match(m, c.Rel); ok {
				seen[c.Rel] = true
				out = append(out, c.Path) // as the context has it: what the COPY names
			}
		}
	}
	return out
}

// andList writes "a", "a and b", "a, b and c".
func andList(xs []string) string {
	switch len(xs) {
	case 0:
		return ""
	case 1:
		return xs[0]
	}
	return strings.Join(xs[:len(xs)-1], ", ") + " and " + xs[len(xs)-1]
}
