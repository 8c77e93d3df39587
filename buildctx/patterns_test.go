package buildctx

import (
	"strings"
	"testing"

	"github.com/moby/patternmatcher"
	"github.com/moby/patternmatcher/ignorefile"
)

// excluded answers as the walk does: every parent is matched first and its
// result carried down, which is how BuildKit's fsutil applies the patterns.
func excluded(t *testing.T, ignore, path string) bool {
	t.Helper()
	lines, err := ignorefile.ReadAll(strings.NewReader(ignore))
	if err != nil {
		t.Fatal(err)
	}
	pm, err := patternmatcher.New(lines)
	if err != nil {
		t.Fatal(err)
	}
	var info patternmatcher.MatchInfo
	var m bool
	parts := strings.Split(path, "/")
	for i := range parts {
		m, info, err = pm.MatchesUsingParentResults(strings.Join(parts[:i+1], "/"), info)
		if err != nil {
			t.Fatal(err)
		}
	}
	return m
}

func TestPatterns(t *testing.T) {
	cases := []struct {
		ignore, path string
		want         bool
	}{
		// comments and blank lines
		{"# a.txt", "a.txt", false},
		{"\n\n", "a.txt", false},
		{"#\na.txt", "a.txt", true},
		{" a.txt ", "a.txt", true},
		// plain names are anchored at the root, unlike .gitignore
		{"a.txt", "a.txt", true},
		{"a.txt", "sub/a.txt", false},
		{"sub", "sub/a.txt", true},
		{"sub", "sub/deep/a.txt", true},
		{"sub", "other/sub/a.txt", false},
		// leading and trailing slashes are cleaned away
		{"/a.txt", "a.txt", true},
		{"/sub/", "sub/a.txt", true},
		{"sub/", "sub", true},
		{"./a.txt", "a.txt", true},
		{"sub/../a.txt", "a.txt", true},
		// * stays within one path segment
		{"*", "a.txt", true},
		{"*", "sub/a.txt", true},
		{"*.txt", "a.txt", true},
		{"*.txt", "sub/a.txt", false},
		{"*/*.txt", "sub/a.txt", true},
		{"*/*.txt", "a/b/c.txt", false},
		{"sub/*", "sub/a.txt", true},
		{"sub/*", "sub", false},
		{"a*", "abc", true},
		{"a*", "bac", false},
		// ? is one character, never a slash
		{"?.txt", "a.txt", true},
		{"?.txt", "ab.txt", false},
		{"a?c", "a/c", false},
		{"[ab].txt", "b.txt", true},
		{"[^ab].txt", "c.txt", true},
		{"[^ab].txt", "a.txt", false},
		// Go's filepath.Match negates with ^ only; ! is a literal member
		{"[!ab].txt", "a.txt", true},
		// ** crosses segments
		{"**/*.log", "a.log", true},
		{"**/*.log", "x/y/a.log", true},
		{"**/node_modules", "node_modules/x.js", true},
		{"**/node_modules", "a/b/node_modules/x.js", true},
		{"**", "anything/at/all", true},
		{"a/**/b", "a/b", true},
		{"a/**/b", "a/x/y/b", true},
		{"a/**/b", "a/x/c", false},
		{"**/.git", ".git/HEAD", true},
		{"**/*.pem", "certs/k.pem", true},
		// dot files are not special
		{"*", ".env", true},
		{".*", ".env", true},
		{".*", "env", false},
		{".env", ".env", true},
		{".env", "app/.env", false},
		{"**/.env", "app/.env", true},
		{".git", ".git/objects/ab/cd", true},
		// exceptions: later lines win
		{"*.md\n!README.md", "README.md", false},
		{"*.md\n!README.md", "CHANGES.md", true},
		{"!README.md\n*.md", "README.md", true},
		{"*.md\n!README*.md\nREADME-secret.md", "README-secret.md", true},
		{"*.md\n!README*.md\nREADME-secret.md", "README-public.md", false},
		// exceptions inside excluded directories
		{"docs\n!docs/keep.md", "docs/keep.md", false},
		{"docs\n!docs/keep.md", "docs/drop.md", true},
		{"docs\n!docs/keep.md", "docs/sub/keep.md", true},
		{"node_modules\n!node_modules/pkg", "node_modules/pkg/index.js", false},
		{"node_modules\n!node_modules/pkg", "node_modules/other/index.js", true},
		{"*\n!src", "src/main.go", false},
		{"*\n!src", "Makefile", true},
		{"*\n!src\nsrc/*.tmp", "src/x.tmp", true},
		{"**\n!**/*.go", "a/b/c.go", false},
		// an exception alone excludes nothing
		{"!a.txt", "a.txt", false},
		{"!a.txt", "b.txt", false},
		// directories and files look alike to the patterns
		{"build", "build", true},
		{"build", "buildx", false},
		{"build*", "buildx/y", true},
		// escapes
		{`\#a`, "#a", true},
	}
	for _, c := range cases {
		if got := excluded(t, c.ignore, c.path); got != c.want {
			t.Errorf("patterns %q, path %q: excluded = %v, want %v", c.ignore, c.path, got, c.want)
		}
	}
	if len(cases) < 60 {
		t.Errorf("%d cases, want ≥ 60", len(cases))
	}
}
