package rules

import (
	"bufio"
	"bytes"
	"fmt"
	"path"
	"regexp"
	"sort"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/shipshape-dev/shipshape/layers"
	"github.com/shipshape-dev/shipshape/lint"
)

// BuildToolchain: P17, P18.
var BuildToolchain = &lint.Rule{
	Code:  "IM205",
	Name:  "build-toolchain-in-image",
	Title: "Compile in a builder stage: no compilers, headers or -dev packages in the image that ships",
	Rationale: "gcc and its cc1, binutils, C headers, `-dev` packages, a Go toolchain or a JDK's compiler are " +
		"needed to build the application, not to run it. In the final image they often weigh more than " +
		"everything else together, widen the attack surface (an intruder finds a compiler ready), and bring " +
		"CVE reports for code that never runs. Build in a stage of its own and copy only the result into a " +
		"runtime stage. On Debian and Ubuntu they frequently arrive uninvited, as packages recommended by " +
		"python3-pip or build tools: `--no-install-recommends` keeps them out. shipshape finds compilers, " +
		"headers and toolchain directories by path, and `-dev` packages from the dpkg and apk databases " +
		"(reading only the file lists of those packages), and counts the bytes they add.",
	Severity: lint.Warning,
	Practice: []string{"P17", "P18"},
	Scope:    lint.ScopeImage,
	Bad: "FROM python:3.12-slim\nRUN apt-get update \\\n && apt-get install -y --no-install-recommends gcc libpq-dev \\\n" +
		" && rm -rf /var/lib/apt/lists/*\nCOPY requirements.txt .\nRUN pip install --no-cache-dir -r requirements.txt\n",
	Good: "FROM python:3.12-slim AS build\nRUN apt-get update \\\n && apt-get install -y --no-install-recommends gcc libpq-dev \\\n" +
		" && rm -rf /var/lib/apt/lists/*\nCOPY requirements.txt .\nRUN pip wheel --no-cache-dir --wheel-dir /wheels -r requirements.txt\n\n" +
		"FROM python:3.12-slim\nRUN apt-get update \\\n && apt-get install -y --no-install-recommends libpq5 \\\n" +
		" && rm -rf /var/lib/apt/lists/*\nCOPY --from=build /wheels /wheels\nRUN pip install --no-cache-dir /wheels/* && rm -rf /wheels\n",
	Reads: func(*v1.ConfigFile) *lint.Want {
		return &lint.Want{Match: toolchainList, Head: lint.MaxHead, Read: readToolchainList}
	},
	Check: checkBuildToolchain,
}

// toolchainPkgRe names the packages that only building needs.
var toolchainPkgRe = regexp.MustCompile(`^(.+-dev|build-essential|build-base|gcc|gcc-[0-9.]+|g\+\+|g\+\+-[0-9.]+|cpp|cpp-[0-9.]+|` +
	`binutils|binutils-.+|make|dpkg-dev|libtool|autoconf|automake|pkg-config|pkgconf|cmake|clang|clang-[0-9.]+|` +
	`llvm|llvm-[0-9.]+|musl-dev|golang|golang-go|golang-[0-9.]+-go|go|default-jdk|default-jdk-headless|` +
	`openjdk-[0-9]+-jdk|openjdk-[0-9]+-jdk-headless|openjdk[0-9]+-jdk|openjdk[0-9]+)$`)

// toolchainPkg reports whether a package (name[:arch]) is for building.
func toolchainPkg(name string) bool {
	name, _, _ = strings.Cut(name, ":")
	return toolchainPkgRe.MatchString(name)
}

// toolchainList picks the dpkg file lists of toolchain packages and apk's
// database.
func toolchainList(e *layers.Entry) bool {
	if e.Path == "lib/apk/db/installed" {
		return true
	}
	name, ok := strings.CutPrefix(e.Path, "var/lib/dpkg/info/")
	if !ok || !strings.HasSuffix(name, ".list") {
		return false
	}
	return toolchainPkg(strings.TrimSuffix(name, ".list"))
}

// pkgFiles is what a package database says a toolchain package installed.
type pkgFiles map[string][]string

// readToolchainList keeps the paths a dpkg list names, or, from apk's
// database, the paths of its toolchain packages.
func readToolchainList(e *layers.Entry, head []byte) any {
	out := pkgFiles{}
	if e.Path == "lib/apk/db/installed" {
		pkg, dir := "", ""
		sc := bufio.NewScanner(bytes.NewReader(head))
		for sc.Scan() {
			l := sc.Text()
			switch {
			case l == "":
				pkg = ""
			case strings.HasPrefix(l, "P:"):
				pkg = l[2:]
				if !toolchainPkg(pkg) {
					pkg = ""
				}
			case strings.HasPrefix(l, "F:"):
				dir = l[2:]
			case strings.HasPrefix(l, "R:") && pkg != "":
				out[pkg] = append(out[pkg], path.Join(dir, l[2:]))
			}
		}
		return out
	}
	name := strings.TrimSuffix(strings.TrimPrefix(e.Path, "var/lib/dpkg/info/"), ".list")
	name, _, _ = strings.Cut(name, ":")
	for _, l := range strings.Split(string(head), "\n") {
		if l = strings.TrimPrefix(strings.TrimSpace(l), "/"); l != "" && l != "." {
			out[name] = append(out[name], l)
		}
	}
	return out
}

// toolchainPath classifies a file of the final filesystem by its path alone:
// what it is ("" when it is no toolchain file).
func toolchainPath(p string) string {
	base := path.Base(p)
	switch {
	case strings.HasPrefix(p, "usr/include/"), strings.HasPrefix(p, "usr/local/include/"):
		return "C headers (/usr/include)"
	case strings.HasPrefix(p, "usr/lib/gcc/"), strings.HasPrefix(p, "usr/libexec/gcc/"):
		return "gcc"
	case (strings.HasPrefix(p, "usr/bin/") || strings.HasPrefix(p, "usr/local/bin/")) && compilerRe.MatchString(base):
		if strings.Contains(base, "clang") {
			return "clang"
		}
		return "gcc"
	case strings.HasPrefix(p, "usr/bin/") && strings.Contains(base, "-linux-gnu-"):
		return "binutils"
	case strings.HasPrefix(p, "usr/local/go/"), strings.HasPrefix(p, "usr/lib/go-"), strings.HasPrefix(p, "usr/lib/go/"):
		return "the Go toolchain"
	case strings.HasPrefix(p, "usr/lib/llvm-"):
		return "LLVM"
	case strings.Contains(p, "jvm/") || strings.Contains(p, "java/") || strings.Contains(p, "jdk"):
		if base == "javac" || base == "ct.sym" || strings.Contains(p, "/jmods/") {
			return "a JDK (javac, jmods: a JRE runs the application)"
		}
	case strings.HasSuffix(base, ".a") && (strings.HasPrefix(p, "usr/lib/") || strings.HasPrefix(p, "lib/")):
		return "static libraries"
	}
	return ""
}

var compilerRe = regexp.MustCompile(`^([a-z0-9_]+-(linux|alpine)-[a-z-]+-)?(gcc|g\+\+|c\+\+|cc|cpp|clang|clang\+\+)(-[0-9.]+)?$`)

func checkBuildToolchain(p *lint.Pass) {
	t := p.Image
	listed := map[string]string{} // path → package
	for _, f := range p.Facts() {
		if t.Merged.Fates[f.Ref.Layer][f.Ref.Entry].How != layers.Alive {
			continue // a list the package manager replaced or removed
		}
		for pkg, paths := range f.Value.(pkgFiles) {
			for _, q := range paths {
				listed[q] = pkg
			}
		}
	}
	g := newGroups()
	what := map[int]map[string]bool{}
	pkgs := map[int]map[string]bool{}
	note := func(m map[int]map[string]bool, li int, s string) {
		if m[li] == nil {
			m[li] = map[string]bool{}
		}
		m[li][s] = true
	}
	imFinal(t, func(q string, ref layers.Ref, e *layers.Entry) {
		if e.Kind != layers.Regular {
			return
		}
		kind := toolchainPath(q)
		pkg, inPkg := listed[q]
		if kind == "" && !inPkg {
			return
		}
		li := int(ref.Layer)
		if kind != "" {
			note(what, li, kind)
		}
		if inPkg {
			note(pkgs, li, pkg)
		}
		g.add(ref, e, layers.Fate{}, imTop3(q))
	})
	for _, lg := range g.each(true) {
		kinds := sortedKeys(what[lg.layer])
		names := sortedKeys(pkgs[lg.layer])
		compilersFirst(names)
		var parts []string
		parts = append(parts, kinds...)
		if len(names) > 0 {
			parts = append(parts, fmt.Sprintf("%s (%s)", plural(len(names), "toolchain package", "toolchain packages"), listSome(names, 4)))
		}
		fix := "compile in a builder stage (`FROM … AS build`) and copy only the result into the final stage with `COPY --from=build`: the final stage then needs no compiler, headers or -dev packages"
		if recommended(p, lg.layer, names) {
			fix = fmt.Sprintf("add `--no-install-recommends` to the `apt-get install` in %s: the toolchain came in as recommended packages; "+
				"if something must be compiled, do it in a builder stage and `COPY --from=build` only the result", imStep(p, lg.layer))
		}
		p.ReportLayer(lg.layer, lg.paths, lg.bytes, fix, fmt.Sprintf(
			"%s puts a build toolchain in the image that the application does not need to run: %s; biggest: %s. Fix: %s; this %s",
			imAt(p, lg.layer), strings.Join(parts, ", "), lg.top(3), fix, imSaves(p, lg.layer, lg.bytes)))
	}
}

// recommended reports whether a layer's apt-get install pulled the toolchain
// in as recommendations: it does not pass --no-install-recommends and names
// none of the toolchain packages itself.
func recommended(p *lint.Pass, layer int, pkgs []string) bool {
	if layer < 0 || layer >= len(p.Image.Layers) {
		return false
	}
	cmd := p.Image.Layers[layer].CreatedBy
	if !strings.Contains(cmd, "apt-get install") && !strings.Contains(cmd, "apt install") || strings.Contains(cmd, "--no-install-recommends") {
		return false
	}
	for _, w := range strings.Fields(cmd) {
		if toolchainPkg(strings.Trim(w, `"'`)) {
			return false // asked for by name
		}
	}
	return true
}

// compilersFirst orders package names for a message: compilers and
// meta-packages first, then the rest by name.
func compilersFirst(names []string) {
	rank := func(n string) int {
		switch {
		case n == "build-essential" || n == "build-base":
			return 0
		case strings.HasPrefix(n, "gcc") || strings.HasPrefix(n, "g++") || strings.HasPrefix(n, "clang") ||
			strings.HasPrefix(n, "golang") || strings.Contains(n, "jdk"):
			return 1
		case strings.HasSuffix(n, "-dev"):
			return 2
		}
		return 3
	}
	sort.SliceStable(names, func(i, j int) bool {
		if a, b := rank(names[i]), rank(names[j]); a != b {
			return a < b
		}
		return names[i] < names[j]
	})
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// listSome lists up to n values and says how many more there are.
func listSome(vals []string, n int) string {
	if len(vals) <= n {
		return strings.Join(vals, ", ")
	}
	return strings.Join(vals[:n], ", ") + fmt.Sprintf(", %d more", len(vals)-n)
}
