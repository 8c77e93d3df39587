package buildctx

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
)

func writeTree(t testing.TB, dir string, files map[string]string) {
	t.Helper()
	for name, body := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if strings.HasSuffix(name, "/") {
			if err := os.MkdirAll(p, 0o755); err != nil {
				t.Fatal(err)
			}
			continue
		}
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

const sourcesIgnore = `# dependencies are installed in the image
node_modules
.git

*.log
!keep.log
/secrets/
docs/*.md
`

func sourcesContext(t *testing.T) *Resolver {
	t.Helper()
	dir := t.TempDir()
	writeTree(t, dir, map[string]string{
		"Dockerfile":                 "FROM node\nCOPY . .\n",
		".dockerignore":              sourcesIgnore,
		"package.json":               "{}",
		"package-lock.json":          "{\"lockfileVersion\": 3}",
		"src/index.js":               "index",
		"src/App.css":                "body{}",
		"src/lib/util.js":            "util",
		"src/lib/util_test.js":       "test",
		"debug.log":                  "noise",
		"keep.log":                   "kept",
		"node_modules/left/index.js": "left",
		".git/HEAD":                  "ref",
		"secrets/key.pem":            "key",
		"docs/guide.md":              "guide",
		"docs/img.png":               "png",
		"empty/":                     "",
	})
	if err := os.Symlink("src", filepath.Join(dir, "link")); err != nil {
		t.Skip("symlinks:", err)
	}
	c, err := Load(dir, "")
	if err != nil {
		t.Fatal(err)
	}
	return NewResolver(c)
}

func TestResolve(t *testing.T) {
	r := sourcesContext(t)
	all := []string{".dockerignore", "Dockerfile", "docs/img.png", "keep.log", "link", "package-lock.json", "package.json",
		"src/App.css", "src/index.js", "src/lib/util.js", "src/lib/util_test.js"}
	srcFiles := []string{"src/App.css", "src/index.js", "src/lib/util.js", "src/lib/util_test.js"}
	type want struct {
		copies   []string // context paths
		rels     []string // nil: not checked
		dir      bool
		wildcard bool
		missing  bool
		excluded string // the deciding rule, as IgnoreRule.String prints it
		unres    bool
	}
	cases := []struct {
		src     string
		exclude []string
		want    want
	}{
		{".", nil, want{copies: all, dir: true}},
		{"./", nil, want{copies: all, dir: true}},
		{"/", nil, want{copies: all, dir: true}},
		{"package.json", nil, want{copies: []string{"package.json"}, rels: []string{"package.json"}}},
		{"/package.json", nil, want{copies: []string{"package.json"}}},
		{"./src/../package.json", nil, want{copies: []string{"package.json"}}},
		{"../package.json", nil, want{copies: []string{"package.json"}}},
		{"package*.json", nil, want{copies: []string{"package-lock.json", "package.json"}, wildcard: true}},
		{"package?json", nil, want{copies: []string{"package.json"}, wildcard: true}},
		{"[p]ackage.json", nil, want{copies: []string{"package.json"}, wildcard: true}},
		{`package\.json`, nil, want{copies: []string{"package.json"}, wildcard: true}},
		{"src", nil, want{copies: srcFiles, rels: []string{"App.css", "index.js", "lib/util.js", "lib/util_test.js"}, dir: true}},
		{"src/", nil, want{copies: srcFiles, dir: true}},
		{"./src/.", nil, want{copies: srcFiles, dir: true}},
		{"src/*.js", nil, want{copies: []string{"src/index.js"}, rels: []string{"index.js"}, wildcard: true}},
		// a matched directory copies its contents, as a named one does
		{"src/*", nil, want{copies: srcFiles, rels: []string{"App.css", "index.js", "util.js", "util_test.js"}, wildcard: true}},
		{"*/lib", nil, want{copies: []string{"src/lib/util.js", "src/lib/util_test.js"}, wildcard: true}},
		{"*/*/*_test.js", nil, want{copies: []string{"src/lib/util_test.js"}, wildcard: true}},
		{"src", []string{"lib"}, want{copies: []string{"src/App.css", "src/index.js"}, dir: true}},
		{".", []string{"**/*.js", "*.log", "docs"}, want{copies: []string{".dockerignore", "Dockerfile", "link", "package-lock.json", "package.json", "src/App.css"}, dir: true}},
		// nothing there
		{"missing.txt", nil, want{missing: true}},
		{"src/missing/", nil, want{missing: true}},
		{"package.json/x", nil, want{missing: true}},
		{"missing*", nil, want{missing: true, wildcard: true}},
		{"src/*.go", nil, want{missing: true, wildcard: true}},
		{"Src/index.js", nil, want{missing: true}},
		// there, but not sent
		{"node_modules", nil, want{excluded: ".dockerignore line 2 (`node_modules`)"}},
		{"node_modules/left/index.js", nil, want{excluded: ".dockerignore line 2 (`node_modules`)"}},
		{"node_modules/*", nil, want{excluded: ".dockerignore line 2 (`node_modules`)", wildcard: true}},
		{"./node_modules/left", nil, want{excluded: ".dockerignore line 2 (`node_modules`)"}},
		{".git/HEAD", nil, want{excluded: ".dockerignore line 3 (`.git`)"}},
		{"debug.log", nil, want{excluded: ".dockerignore line 5 (`*.log`)"}},
		{"secrets", nil, want{excluded: ".dockerignore line 7 (`secrets`)"}},
		{"secrets/key.pem", nil, want{excluded: ".dockerignore line 7 (`secrets`)"}},
		{"docs/guide.md", nil, want{excluded: ".dockerignore line 8 (`docs/*.md`)"}},
		{"docs/*.md", nil, want{excluded: ".dockerignore line 8 (`docs/*.md`)", wildcard: true}},
		// partly sent: what is sent is copied, and that is no error
		{"keep.log", nil, want{copies: []string{"keep.log"}}},
		{"*.log", nil, want{copies: []string{"keep.log"}, wildcard: true}},
		{"docs", nil, want{copies: []string{"docs/img.png"}, dir: true}},
		// an empty directory exists and copies nothing
		{"empty", nil, want{dir: true}},
		{"empty/", nil, want{dir: true}},
		// through a symbolic link the builder decides
		{"link/index.js", nil, want{unres: true}},
		{"link", nil, want{copies: []string{"link"}}},
	}
	for _, tc := range cases {
		res := r.Resolve(tc.src, tc.exclude...)
		var got want
		for _, c := range res.Copies {
			got.copies = append(got.copies, c.Path)
			if tc.want.rels != nil {
				got.rels = append(got.rels, c.Rel)
			}
		}
		got.dir, got.wildcard, got.missing, got.unres = res.Dir, res.Wildcard, res.Missing, res.Unresolved
		if res.Excluded {
			got.excluded = "excluded, no rule"
			if res.Rule != nil {
				got.excluded = res.Rule.String()
			}
		}
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("Resolve(%q, %q):\n got %+v\nwant %+v", tc.src, tc.exclude, got, tc.want)
		}
		var bytes int64
		for _, c := range res.Copies {
			bytes += c.Size
		}
		if res.Bytes != bytes {
			t.Errorf("Resolve(%q): Bytes %d, files sum to %d", tc.src, res.Bytes, bytes)
		}
	}
}

// TestResolveConcurrently: one Resolver serves the lint workers of every
// Dockerfile in a directory at once (run with -race).
func TestResolveConcurrently(t *testing.T) {
	r := sourcesContext(t)
	srcs := []string{".", "src", "node_modules", "debug.log", "docs/*.md", "missing", "*.log", "secrets/key.pem"}
	want := map[string]Resolution{}
	for _, s := range srcs {
		want[s] = NewResolver(r.Context()).Resolve(s)
	}
	var wg sync.WaitGroup
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for _, s := range srcs {
				if got := r.Resolve(s); !reflect.DeepEqual(got, want[s]) {
					t.Errorf("Resolve(%q) = %+v, want %+v", s, got, want[s])
				}
				r.ExcludedBy(s)
			}
		}()
	}
	wg.Wait()
}

func TestSuggest(t *testing.T) {
	r := sourcesContext(t)
	for src, want := range map[string]string{
		"Src/index.js": "src/index.js",
		"index.js":     "src/index.js",
		"SRC":          "src",
		"util.go":      "",
		"guide.md":     "", // not sent: no help
	} {
		if got := r.Suggest(CleanSource(src)); got != want {
			t.Errorf("Suggest(%q) = %q, want %q", src, got, want)
		}
	}
}

func TestCleanSource(t *testing.T) {
	for src, want := range map[string]string{
		".": ".", "./": ".", "/": ".", "": ".", "..": ".", "a/": "a", "/a/b/../c": "a/c", "./a//b/.": "a/b", "../../a": "a",
	} {
		if got := CleanSource(src); got != want {
			t.Errorf("CleanSource(%q) = %q, want %q", src, got, want)
		}
	}
}

// The Dockerfile-specific ignore file is the one named, and a context built by
// hand (no directory, files in any order) still resolves.
func TestResolveHandBuilt(t *testing.T) {
	c := &Context{
		IgnoreFile: "api.Dockerfile.dockerignore",
		Patterns:   []string{"*.md", "!README.md"},
		Files: []File{
			{Path: "z.txt", Size: 1},
			{Path: "a/b.txt", Size: 2},
			{Path: "a.txt", Size: 3},
			{Path: "a/c/d.txt", Size: 4},
			{Path: "NOTES.md", Size: 5, Ignored: true},
			{Path: "README.md", Size: 6},
		},
		Pruned: []string{"a/vendor"},
	}
	r := NewResolver(c)
	res := r.Resolve("a")
	if len(res.Copies) != 2 || res.Bytes != 6 || !res.Dir {
		t.Errorf("a: %+v", res)
	}
	res = r.Resolve("NOTES.md")
	if !res.Excluded || res.Rule == nil || res.Rule.String() != "api.Dockerfile.dockerignore pattern `*.md`" {
		t.Errorf("NOTES.md: %+v %v", res, res.Rule)
	}
	if res := r.Resolve("*.md"); len(res.Copies) != 1 || res.Excluded {
		t.Errorf("*.md: %+v", res)
	}
	if res := r.Resolve("a/vendor/x"); !res.Excluded || res.Rule != nil {
		t.Errorf("a/vendor/x: %+v", res)
	}
	if got, want := r.Dirs(), []string{"a", "a/c", "a/vendor"}; !reflect.DeepEqual(got, want) {
		t.Errorf("Dirs = %q, want %q", got, want)
	}
	if res := r.Resolve("missing"); !res.Missing {
		t.Errorf("missing: %+v", res)
	}
}
