package rules

import (
	"fmt"
	"path"
	"sort"
	"strings"

	"github.com/shipshape-dev/shipshape/buildctx"
	"github.com/shipshape-dev/shipshape/dockerfile"
	"github.com/shipshape-dev/shipshape/lint"
	"github.com/shipshape-dev/shipshape/shell"
)

// CopyContextClutter: P21.
var CopyContextClutter = &lint.Rule{
	Code:  "DF304",
	Name:  "copy-context-clutter",
	Title: "Keep .git, node_modules, test data and logs out of `COPY . .`",
	Rationale: "`COPY . .` copies everything the build context sends. When the context holds the Git history, a " +
		"host-built node_modules, test data or log files, all of it lands in a layer of the image: bytes every " +
		"pull downloads and every container carries, history that may hold secrets, and files that change " +
		"with every commit, so the layer and everything after it is rebuilt far more often than the code " +
		"changes. List them in .dockerignore. The rule reads the build context (the Dockerfile's directory, " +
		"or `--context DIR`) and reports only stages that reach the final image.",
	Severity: lint.Warning,
	Practice: []string{"P21"},
	Options: []lint.Option{
		{Name: "test-data-min-bytes", Doc: "test directories (test, tests, testdata, __tests__) smaller than this are not reported", Default: 1 << 20},
	},
	Bad:   "FROM node:22-slim\nWORKDIR /app\nCOPY package.json package-lock.json ./\nRUN npm ci --omit=dev\nCOPY . .\nCMD [\"node\", \"server.js\"]\n",
	Good:  "FROM node:22-slim\nWORKDIR /app\nCOPY package.json package-lock.json ./\nRUN npm ci --omit=dev\nCOPY server.js ./\nCOPY lib/ lib/\nCMD [\"node\", \"server.js\"]\n",
	Check: checkContextClutter,
}

// clutterKind is a kind of path that does not belong in an image.
type clutterKind struct {
	what string
	// dir names the directories of the kind; ext the file endings.
	dirs []string
	ext  string
	test bool // test data: size-gated, and needed where the image runs tests
	vcs  bool // needed where the build runs git
}

var clutterKinds = []*clutterKind{
	{what: "version control history", dirs: []string{".git", ".hg", ".svn"}, vcs: true},
	{what: "host-installed dependencies", dirs: []string{"node_modules"}},
	{what: "test data", dirs: []string{"test", "tests", "testdata", "__tests__"}, test: true},
	{what: "logs", dirs: []string{"logs"}, ext: ".log"},
	{what: "editor settings", dirs: []string{".idea", ".vscode"}},
}

// clutter is what one kind contributes to a copy: the ignore line that
// removes it and the bytes at stake.
type clutter struct {
	kind  *clutterKind
	name  string // the directory name, or "*.log"
	line  string // the .dockerignore line
	bytes int64
	files int
}

func checkContextClutter(p *lint.Pass) {
	var roots []*dockerfile.Instruction
	for _, in := range rtShipping(p.File) {
		if !in.Is("copy", "add") {
			continue
		}
		srcs, _ := lint.ContextSources(in)
		for _, s := range srcs {
			if isRootSource(s) {
				roots = append(roots, in)
				break
			}
		}
	}
	if len(roots) == 0 {
		return
	}
	r := p.Sources()
	if r == nil {
		return
	}
	skipTests, skipVCS := runsTestsOrGit(p)
	minTest := int64(intOption(p, "test-data-min-bytes"))
	for _, in := range roots {
		srcs, exclude := lint.ContextSources(in)
		for _, src := range srcs {
			if !isRootSource(src) {
				continue
			}
			found := clutterIn(r.Resolve(src, exclude...))
			var keep []*clutter
			var total int64
			for _, c := range found {
				switch {
				case c.kind.test && (skipTests || c.bytes < minTest),
					c.kind.vcs && skipVCS,
					c.bytes == 0:
					continue
				}
				keep = append(keep, c)
				total += c.bytes
			}
			if len(keep) == 0 {
				continue
			}
			var parts, lines []string
			for _, c := range keep {
				parts = append(parts, fmt.Sprintf("%s (%s, %s)", c.name, c.kind.what, buildctx.HumanBytes(c.bytes)))
				lines = append(lines, c.line)
			}
			f := reportSource(p, in, src, fmt.Sprintf("`%s` copies %s into the image: %s the application does not "+
				"need, downloaded by every pull and changing more often than the code, so this layer and every one "+
				"after it rebuild needlessly; add %s to %s", dcInstructionText(in), strings.Join(parts, ", "), buildctx.HumanBytes(total),
				quotedList(lines), dcIgnoreFile(r.Context())))
			f.Bytes = total
			f.Suggestion = strings.Join(lines, "\n")
		}
	}
}

// clutterIn groups the files a source copies by kind and name, largest first.
func clutterIn(res buildctx.Resolution) []*clutter {
	groups := map[string]*clutter{}
	nested := map[string]bool{}
	for _, f := range res.Copies {
		kind, name, deep := clutterOf(f.Rel)
		if kind == nil {
			continue
		}
		g := groups[name]
		if g == nil {
			g = &clutter{kind: kind, name: name}
			groups[name] = g
		}
		g.bytes += f.Size
		g.files++
		nested[name] = nested[name] || deep
	}
	var out []*clutter
	for name, g := range groups {
		g.line = name
		if nested[name] {
			g.line = "**/" + name
		}
		if g.kind.ext == "" || !strings.HasPrefix(name, "*") {
			g.name = name + "/"
		}
		out = append(out, g)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].bytes != out[j].bytes {
			return out[i].bytes > out[j].bytes
		}
		return out[i].name < out[j].name
	})
	return out
}

// clutterOf classifies a copied path: the kind, the name that groups it
// ("node_modules", "*.log"), and whether it lies below the top of the copy.
func clutterOf(rel string) (*clutterKind, string, bool) {
	elems := strings.Split(rel, "/")
	for i, e := range elems[:len(elems)-1] {
		for _, k := range clutterKinds {
			for _, d := range k.dirs {
				if e == d {
					return k, d, i > 0
				}
			}
		}
	}
	base := elems[len(elems)-1]
	for _, k := range clutterKinds {
		if k.ext != "" && path.Ext(base) == k.ext {
			return k, "*" + k.ext, len(elems) > 1
		}
	}
	return nil, "", false
}

// runsTestsOrGit reports whether the shipping stages run a test suite (then
// the test data is there on purpose) or git (then the history may be too).
func runsTestsOrGit(p *lint.Pass) (tests, git bool) {
	for _, in := range rtShipping(p.File) {
		s := p.Script(in)
		if s == nil {
			continue
		}
		for _, c := range s.Commands {
			tests = tests || runsTests(c)
			git = git || c.Is("git")
		}
	}
	return tests, git
}

func runsTests(c *shell.Command) bool {
	sub := c.Subcommand()
	switch c.Name {
	case "pytest", "tox", "nox", "jest", "vitest", "mocha", "phpunit", "rspec", "ctest":
		return true
	case "go", "cargo", "dotnet":
		return sub == "test"
	case "npm", "yarn", "pnpm", "bun":
		return sub == "test" || (sub == "run" && strings.HasPrefix(c.Arg(1), "test"))
	case "mvn", "mvnw", "gradle", "gradlew", "make":
		for _, a := range c.Args {
			if strings.Contains(a.Value, "test") || a.Value == "verify" || a.Value == "check" || a.Value == "build" || a.Value == "package" || a.Value == "install" {
				return c.Name != "make" || strings.Contains(a.Value, "test")
			}
		}
	}
	return strings.HasPrefix(c.Name, "python") && c.HasFlag("m") && (c.Arg(1) == "pytest" || c.Arg(1) == "unittest")
}

// intOption reads an integer option that configuration may give as any number.
func intOption(p *lint.Pass, name string) int {
	switch v := p.Option(name).(type) {
	case int:
		return v
	case int64:
		return int(v)
	case float64:
		return int(v)
	case uint64:
		return int(v)
	}
	return 0
}
