package rules

import (
	"path"
	"regexp"
	"strconv"
	"strings"

	"github.com/shipshape-dev/shipshape/dockerfile"
	"github.com/shipshape-dev/shipshape/lint"
	"github.com/shipshape-dev/shipshape/shell"
)

// BuildInFinalStage: P18.
var BuildInFinalStage = &lint.Rule{
	Code:  "DF213",
	Name:  "build-in-final-stage",
	Title: "Compile in a builder stage, not in the image that ships",
	Rationale: "A compiler installed and used in the final stage stays in the image: hundreds of MB of " +
		"toolchain, headers and build caches that the running program never needs. A multi-stage build " +
		"compiles in a builder stage and copies only the result into the final one. Toolchains removed in the " +
		"same RUN that installed them (`apk del .build-deps`, `apt-get purge --auto-remove` after `apt-mark auto`), " +
		"as the official images do, are not reported, nor are files meant as build environments (Dockerfile.builder, " +
		"a final stage named `build` or `dev`) and development containers.",
	Severity: lint.Warning,
	Practice: []string{"P18"},
	Bad: "FROM debian:12-slim\nRUN apt-get update && apt-get install -y --no-install-recommends gcc make libc6-dev " +
		"&& rm -rf /var/lib/apt/lists/*\nCOPY . /src\nRUN make -C /src install\nCMD [\"app\"]\n",
	Good: "FROM debian:12-slim AS build\nRUN apt-get update && apt-get install -y --no-install-recommends gcc make " +
		"libc6-dev && rm -rf /var/lib/apt/lists/*\nCOPY . /src\nRUN make -C /src install\n\nFROM debian:12-slim\n" +
		"COPY --from=build /usr/local/bin/app /usr/local/bin/app\nCMD [\"app\"]\n",
	Check: func(p *lint.Pass) {
		if isDevContainer(p.File) || buildEnvironment(p.File) {
			return
		}
		runs := shippingRuns(p)
		checkToolchainBase(p, runs)
		for k, r := range runs {
			checkToolchainInstalls(p, runs, k, r)
		}
	},
}

// buildEnvironment reports whether the file describes an image made for
// building, where the compiler is the point: a file named like
// Dockerfile.builder or build.Dockerfile, or a final stage named build/builder.
func buildEnvironment(f *dockerfile.File) bool {
	base := strings.ToLower(path.Base(strings.ReplaceAll(f.Name, `\`, "/")))
	if strings.Contains(base, "build") {
		return true
	}
	if s := f.FinalStage(); s != nil {
		switch s.Name {
		case "build", "builder", "build-env", "buildenv", "toolchain", "dev", "devel", "development":
			return true
		}
	}
	return false
}

// shipRun is a RUN of a shipping stage with its parsed shell code.
type shipRun struct {
	In *dockerfile.Instruction
	Sc *shell.Script
}

func shippingRuns(p *lint.Pass) []shipRun {
	var out []shipRun
	for _, s := range shippingStages(p.File) {
		for _, in := range s.Instructions {
			if sc := p.Script(in); sc != nil && in.Name == "run" {
				out = append(out, shipRun{in, sc})
			}
		}
	}
	return out
}

// Toolchain families, and what each typically weighs.
const (
	famC    = "C"
	famGo   = "Go"
	famJava = "Java"
	famRust = "Rust"
	famAny  = "*"
)

var toolchainSize = map[string]string{
	famC:    "a C/C++ toolchain is typically 150–250 MB",
	famGo:   "the Go toolchain is typically 200–500 MB",
	famJava: "a JDK and its build tool are typically 200–400 MB",
	famRust: "the Rust toolchain is typically 300–600 MB",
}

var (
	cCompilerRe = regexp.MustCompile(`^(gcc|g\+\+|clang)(-[0-9.]+)?$`)
	goPkgRe     = regexp.MustCompile(`^golang(-[0-9.]+)?(-go)?$`)
	jdkPkgRe    = regexp.MustCompile(`^(openjdk-[0-9]+-jdk(-headless)?|default-jdk(-headless)?|java-[0-9.]+-openjdk-devel|java-latest-openjdk-devel|openjdk[0-9]+(-jdk)?)$`)
)

// toolchainFamily returns the family of a compiler package, or "".
func toolchainFamily(m shell.Manager, name string) string {
	switch {
	case name == "build-essential" || name == "build-base" || name == "gcc-c++" || cCompilerRe.MatchString(name):
		return famC
	case goPkgRe.MatchString(name) || (name == "go" && m == shell.Apk):
		return famGo
	case jdkPkgRe.MatchString(name) || name == "maven" || name == "gradle":
		return famJava
	case name == "rustc" || name == "cargo" || (name == "rust" && m == shell.Apk):
		return famRust
	}
	return ""
}

// buildCommand says whether c compiles something, with a label for messages
// and the toolchain family it needs (famAny: whichever is installed).
func buildCommand(c *shell.Command) (label, family string, ok bool) {
	pos := c.Positionals("-C", "-f", "-j", "-o")
	sub := ""
	if len(pos) > 0 {
		sub = pos[0].Value
	}
	switch {
	case c.Is("make", "gmake") && !c.HasFlag("v", "version", "help"):
		return c.Name, famC, true
	case c.Is("cmake") && (c.HasFlag("build") || len(pos) > 0) && !c.HasFlag("version"):
		return "cmake", famC, true
	case c.Is("ninja", "configure"):
		return c.Name, famC, true
	case c.Is("gcc", "g++", "cc", "c++", "clang", "clang++") && len(pos) > 0:
		return c.Name, famC, true
	case c.Is("go") && (sub == "build" || sub == "install"):
		return "go " + sub, famGo, true
	case c.Is("cargo") && (sub == "build" || sub == "install"):
		return "cargo " + sub, famRust, true
	case c.Is("rustc") && len(pos) > 0:
		return "rustc", famRust, true
	case c.Is("mvn", "mvnw"):
		for _, w := range pos {
			switch w.Value {
			case "package", "install", "verify", "compile", "deploy":
				return c.Name + " " + w.Value, famJava, true
			}
		}
	case c.Is("gradle", "gradlew"):
		for _, w := range pos {
			switch w.Value {
			case "build", "assemble", "jar", "bootJar", "shadowJar", "installDist", "bootWar", "war":
				return c.Name + " " + w.Value, famJava, true
			}
		}
	case c.Is("javac") && len(pos) > 0:
		return "javac", famJava, true
	case c.Is("npm", "pnpm") && sub == "run" && len(pos) > 1 && pos[1].Value == "build",
		c.Is("yarn", "pnpm") && sub == "build":
		label := c.Name + " " + sub
		if sub == "run" {
			label += " build"
		}
		return label, famAny, true
	}
	return pythonBuild(c)
}

// pythonBuild recognises Python builds, and package installs (pip, npm, gem, …) that compile
// native extensions when a compiler is there.
func pythonBuild(c *shell.Command) (label, family string, ok bool) {
	if pythonSetup(c) {
		return "python setup.py", famC, true
	}
	if m, _ := shell.ManagerOf(c); m == shell.Pip && c.Subcommand() == "wheel" {
		return "pip wheel", famC, true
	}
	if i, ok := shell.InstallOf(c); ok {
		switch i.Manager {
		case shell.Pip:
			if compilesPip(i) {
				return "pip install", famC, true
			}
		case shell.Npm, shell.Yarn, shell.Pnpm, shell.Gem:
			return c.Name + " " + i.Verb, famC, true
		}
	}
	if c.Is("bundle") && (c.Subcommand() == "install" || c.Subcommand() == "") {
		return "bundle install", famC, true
	}
	return "", "", false
}

// pythonSetup reports `python setup.py build|install|bdist_wheel|build_ext`.
func pythonSetup(c *shell.Command) bool {
	if !strings.HasPrefix(c.Name, "python") || len(c.Args) < 2 || !strings.HasSuffix(c.Args[0].Value, "setup.py") {
		return false
	}
	switch c.Args[1].Value {
	case "build", "build_ext", "install", "bdist_wheel", "develop":
		return true
	}
	return false
}

// compilesPip reports whether a pip install installs more than pip's own tooling.
func compilesPip(i *shell.Install) bool {
	if i.HasFlag("r", "requirement", "e", "editable") {
		return true
	}
	for _, w := range i.Packages {
		switch strings.ToLower(shell.PackageName(shell.Pip, w.Value)) {
		case "pip", "setuptools", "wheel", "uv", "pipenv", "poetry", "virtualenv":
		default:
			return true
		}
	}
	return false
}

// buildAfter finds the first command compiling with family after command at
// of runs[k], in that RUN or a later shipping one.
func buildAfter(runs []shipRun, k int, at int, family string) (shipRun, *shell.Command, string) {
	for j := k; j < len(runs); j++ {
		for _, c := range runs[j].Sc.Commands {
			if j == k && c.Index <= at {
				continue
			}
			if label, fam, ok := buildCommand(c); ok && (fam == family || fam == famAny) {
				return runs[j], c, label
			}
		}
	}
	return shipRun{}, nil, ""
}

func checkToolchainInstalls(p *lint.Pass, runs []shipRun, k int, r shipRun) {
	for _, i := range r.Sc.Installs() {
		if !systemManager(i.Manager) || i.Cmd.OnFailure {
			continue
		}
		byFamily := map[string][]shell.Word{}
		var order []string
		for _, w := range i.Packages {
			if !w.Literal {
				continue
			}
			name := shell.PackageName(i.Manager, w.Value)
			fam := toolchainFamily(i.Manager, name)
			if fam == "" || removedLater(r.Sc, i, name) {
				continue
			}
			if byFamily[fam] == nil {
				order = append(order, fam)
			}
			byFamily[fam] = append(byFamily[fam], w)
		}
		for _, fam := range order {
			b, c, label := buildAfter(runs, k, i.Cmd.Index, fam)
			if c == nil {
				continue
			}
			words := byFamily[fam]
			names := make([]string, len(words))
			for n, w := range words {
				names[n] = shell.PackageName(i.Manager, w.Value)
			}
			where := "the RUN at line " + strconv.Itoa(b.In.Range.Start.Line)
			if b.In == r.In {
				where = "the same RUN"
			}
			later := ""
			if at := removedInLaterRun(runs, k, i, names[0]); at > 0 {
				later = " (removing it in the RUN at line " + strconv.Itoa(at) + " does not shrink the image: the layer keeps it)"
			}
			stays, it := " stays", "it"
			if len(names) > 1 {
				stays, it = " stay", "them"
			}
			reportOnWord(p, words[0], quotedList(names)+stays+" in the image that ships ("+toolchainSize[fam]+")"+later+
				", and "+where+" builds with "+it+" (`"+label+"`); "+multiStageShape(p, label))
		}
	}
}

// removedInLaterRun returns the line of a later shipping RUN that uninstalls
// the package, or 0.
func removedInLaterRun(runs []shipRun, k int, i *shell.Install, name string) int {
	for _, r := range runs[k+1:] {
		if r.Sc.Uninstalls(i, name, 0) {
			return r.In.Range.Start.Line
		}
	}
	return 0
}

// multiStageShape describes the builder-stage layout for a build command.
func multiStageShape(p *lint.Pass, label string) string {
	base := "<base>"
	if img, ok := rootImage(p.File, p.File.FinalStage()); ok {
		base = img.Ref
	}
	head := "compile in a builder stage and copy only the result: `FROM " + base + " AS build`, install the compiler " +
		"and build there, then in the final `FROM " + base + "` "
	switch {
	case strings.HasPrefix(label, "pip") || strings.HasPrefix(label, "python"):
		return head + "install the wheels built with `pip wheel --wheel-dir /wheels …`: `COPY --from=build /wheels /wheels`"
	case strings.HasPrefix(label, "npm") || strings.HasPrefix(label, "yarn") || strings.HasPrefix(label, "pnpm"):
		return head + "copy what it produced, e.g. `COPY --from=build /app/node_modules ./node_modules`"
	case strings.HasPrefix(label, "gem") || strings.HasPrefix(label, "bundle"):
		return head + "copy the installed gems, e.g. `COPY --from=build /usr/local/bundle /usr/local/bundle`"
	case strings.HasPrefix(label, "mvn") || strings.HasPrefix(label, "gradle") || label == "javac":
		return head + "copy the jar, e.g. `COPY --from=build /app/target/app.jar /app/app.jar` (a JRE base is enough to run it)"
	case strings.HasPrefix(label, "go "):
		return head + "copy the binary, e.g. `COPY --from=build /out/app /usr/local/bin/app`"
	case strings.HasPrefix(label, "cargo") || label == "rustc":
		return head + "copy the binary, e.g. `COPY --from=build /app/target/release/app /usr/local/bin/`"
	}
	return head + "copy the built files, e.g. `COPY --from=build /usr/local/bin/app /usr/local/bin/`"
}

// toolchainImages are images that are a whole toolchain, and the family they build with.
var toolchainImages = map[string]string{"golang": famGo, "rust": famRust, "maven": famJava, "gradle": famJava}

// runtimeBase suggests a small base to run what a toolchain image built.
var runtimeBase = map[string]string{
	famGo:   "`gcr.io/distroless/static-debian12` (or `alpine`) with `COPY --from=build /out/app /app`",
	famRust: "`debian:12-slim` (or `gcr.io/distroless/cc-debian12`) with `COPY --from=build /app/target/release/app /usr/local/bin/`",
	famJava: "`eclipse-temurin:21-jre` with `COPY --from=build /app/target/app.jar /app/app.jar`",
}

// checkToolchainBase reports a final image built on a toolchain image that
// compiles in place: `FROM golang` + `go build` in the stage that ships.
func checkToolchainBase(p *lint.Pass, runs []shipRun) {
	img, ok := rootImage(p.File, p.File.FinalStage())
	if !ok {
		return
	}
	fam, ok := toolchainImages[img.Image.Name()]
	if !ok || img.Image.Registry != "" && img.Image.Host() != "docker.io" {
		return
	}
	if len(runs) == 0 {
		return
	}
	b, c, label := buildAfter(runs, 0, -1, fam)
	if c == nil {
		return
	}
	reportFromImage(p, img.Stage, "the image that ships is built on "+describeFrom(img)+", a whole "+fam+" toolchain of "+
		"several hundred MB, and the RUN at line "+strconv.Itoa(b.In.Range.Start.Line)+" builds with it (`"+
		label+"`); build in a builder stage (`FROM "+img.Ref+" AS build`) and run the result on a small base such as "+
		runtimeBase[fam])
}
