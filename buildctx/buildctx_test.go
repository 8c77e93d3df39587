package buildctx

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

func write(t testing.TB, dir string, files map[string]string) {
	t.Helper()
	for name, body := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func sent(c *Context) []string {
	var out []string
	for _, f := range c.Files {
		if !f.Ignored {
			out = append(out, f.Path)
		}
	}
	return out
}

func nodeApp(t *testing.T, ignore string) string {
	dir := t.TempDir()
	write(t, dir, map[string]string{
		"Dockerfile":                  "FROM node\nCOPY . .\n",
		"package.json":                "{}",
		"src/index.js":                "x",
		".git/HEAD":                   "ref: refs/heads/main\n",
		".git/objects/ab/cdef":        strings.Repeat("g", 5000),
		"node_modules/left/index.js":  strings.Repeat("n", 3000),
		"node_modules/right/index.js": strings.Repeat("n", 2000),
		"data/big.csv":                strings.Repeat("d", 10000),
		".env":                        "SECRET=1\n",
	})
	if ignore != "" {
		write(t, dir, map[string]string{".dockerignore": ignore})
	}
	return dir
}

func TestLoadNoIgnore(t *testing.T) {
	c, err := Load(nodeApp(t, ""), "")
	if err != nil {
		t.Fatal(err)
	}
	if c.SentFiles != 9 || c.IgnoredFiles != 0 || c.IgnoreFile != "" {
		t.Errorf("sent %d ignored %d ignorefile %q", c.SentFiles, c.IgnoredFiles, c.IgnoreFile)
	}
	top := c.Largest(2)
	if len(top) != 2 || top[0].Path != "data/" || top[0].Bytes != 10000 || top[1].Path != "data/big.csv" {
		t.Errorf("Largest(2) = %+v", top)
	}
}

func TestLoadIgnore(t *testing.T) {
	c, err := Load(nodeApp(t, ".git\nnode_modules\ndata\n.env\n"), "")
	if err != nil {
		t.Fatal(err)
	}
	got := strings.Join(sent(c), " ")
	if got != ".dockerignore Dockerfile package.json src/index.js" {
		t.Errorf("sent = %s", got)
	}
	// skipped directories are not matched file by file, but their sizes are
	// measured, so the ignored totals are exact: .env, 2 in .git, 2 in
	// node_modules, 1 in data
	if c.IgnoredFiles != 6 || c.IgnoredBytes != 9+21+5000+5000+10000 {
		t.Errorf("ignored %d files %d bytes", c.IgnoredFiles, c.IgnoredBytes)
	}
	if got := strings.Join(c.Pruned, " "); got != ".git data node_modules" {
		t.Errorf("pruned = %s", got)
	}
	want := map[string]Usage{".git": {2, 5021}, "data": {1, 10000}, "node_modules": {2, 5000}}
	for p, u := range want {
		if c.PrunedUsage[p] != u {
			t.Errorf("PrunedUsage[%s] = %+v, want %+v", p, c.PrunedUsage[p], u)
		}
	}
	c, err = Load(c.Dir, "", WithoutPrunedSizes())
	if err != nil {
		t.Fatal(err)
	}
	if c.IgnoredFiles != 1 || c.PrunedUsage != nil {
		t.Errorf("WithoutPrunedSizes: ignored %d files, usage %v", c.IgnoredFiles, c.PrunedUsage)
	}
}

// The walk reads directories on several goroutines; its result must not
// depend on how many, nor on their timing.
func TestLoadSameWithAnyWorkers(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{".dockerignore": "**/*.log\nd1\nd2/e1\n!d2/e1/keep.log\n"}
	for i := range 300 {
		files[fmt.Sprintf("d%d/e%d/f%d.txt", i%5, i%7, i)] = strings.Repeat("x", i)
		files[fmt.Sprintf("d%d/e%d/f%d.log", i%5, i%3, i)] = "log"
		files[fmt.Sprintf("d%d.txt", i%11)] = "top"
	}
	files["d2/e1/keep.log"] = "kept"
	write(t, dir, files)
	render := func(c *Context) string {
		var b strings.Builder
		for _, f := range c.Files {
			fmt.Fprintf(&b, "%s %d %v\n", f.Path, f.Size, f.Ignored)
		}
		for _, d := range c.Dirs {
			fmt.Fprintf(&b, "%s/ %+v %v %d\n", d.Path, d.Sent, d.Ignored, len(c.FilesUnder(d.Path)))
		}
		fmt.Fprintf(&b, "%v %v %d %d %d %d\n", c.Pruned, c.PrunedUsage, c.SentFiles, c.SentBytes, c.IgnoredFiles, c.IgnoredBytes)
		return b.String()
	}
	one, err := Load(dir, "", WithWorkers(1))
	if err != nil {
		t.Fatal(err)
	}
	want := render(one)
	for _, n := range []int{2, 3, 8, 64} {
		for range 5 {
			c, err := Load(dir, "", WithWorkers(n))
			if err != nil {
				t.Fatal(err)
			}
			if got := render(c); got != want {
				t.Fatalf("%d workers:\n%s\nwant (1 worker):\n%s", n, got, want)
			}
		}
	}
	// the walk order is by name within a directory, a directory's contents
	// right after it
	for i := 1; i < len(one.Files); i++ {
		if !walkLess(one.Files[i-1].Path, one.Files[i].Path) {
			t.Fatalf("files out of order: %s before %s", one.Files[i-1].Path, one.Files[i].Path)
		}
	}
	if u := one.SentUnder("d2"); u.Files == 0 || u != mustDir(t, one, "d2").Sent {
		t.Errorf("SentUnder(d2) = %+v", u)
	}
	if !one.Reincluded("d2/e1") || !one.Reincluded("d2/e1/keep.log") || one.Reincluded("d3") {
		t.Errorf("Reincluded: d2/e1 %v, d2/e1/keep.log %v, d3 %v", one.Reincluded("d2/e1"), one.Reincluded("d2/e1/keep.log"), one.Reincluded("d3"))
	}
}

func mustDir(t *testing.T, c *Context, p string) Dir {
	t.Helper()
	d, ok := c.DirAt(p)
	if !ok {
		t.Fatalf("no directory %s", p)
	}
	return d
}

func TestLoadExceptionWalksExcludedDir(t *testing.T) {
	c, err := Load(nodeApp(t, "node_modules\n!node_modules/left\n"), "")
	if err != nil {
		t.Fatal(err)
	}
	got := strings.Join(sent(c), " ")
	if !strings.Contains(got, "node_modules/left/index.js") || strings.Contains(got, "right") {
		t.Errorf("sent = %s", got)
	}
	// node_modules is entered for the exception; right/ cannot be reached by it
	if got := strings.Join(c.Pruned, " "); got != "node_modules/right" {
		t.Errorf("pruned = %s", got)
	}
}

func TestLoadDockerfileSpecificIgnoreWins(t *testing.T) {
	dir := nodeApp(t, "data\n")
	write(t, dir, map[string]string{"build/Dockerfile.prod": "FROM x\n", "build/Dockerfile.prod.dockerignore": "*\n!src\n"})
	c, err := Load(dir, "build/Dockerfile.prod")
	if err != nil {
		t.Fatal(err)
	}
	if c.IgnoreFile != "build/Dockerfile.prod.dockerignore" || strings.Join(sent(c), " ") != "src/index.js" {
		t.Errorf("ignorefile %q sent %v", c.IgnoreFile, sent(c))
	}
}

func TestLoadProblemsNeverFatal(t *testing.T) {
	dir := nodeApp(t, "")
	must := func(err error) {
		if err != nil {
			t.Fatal(err)
		}
	}
	must(os.Symlink("loop", filepath.Join(dir, "loop")))
	must(os.Symlink("missing", filepath.Join(dir, "dangling")))
	must(syscall.Mkfifo(filepath.Join(dir, "fifo"), 0o644))
	c, err := Load(dir, "")
	if err != nil {
		t.Fatal(err)
	}
	var paths []string
	for _, p := range c.Problems {
		paths = append(paths, p.Path)
	}
	if got := strings.Join(paths, " "); got != "dangling fifo loop" {
		t.Errorf("problems = %+v", c.Problems)
	}
}

func TestLoadWildcardExceptionWalksAll(t *testing.T) {
	c, err := Load(nodeApp(t, "node_modules\n!**/index.js\n"), "")
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Pruned) != 0 || !strings.Contains(strings.Join(sent(c), " "), "node_modules/right/index.js") {
		t.Errorf("pruned %v sent %v", c.Pruned, sent(c))
	}
}

func TestLoadMissingDir(t *testing.T) {
	_, err := Load(filepath.Join(t.TempDir(), "nope"), "")
	if err == nil || !os.IsNotExist(err) && !strings.Contains(err.Error(), "no such file") {
		t.Errorf("err = %v", err)
	}
}

// BenchmarkLoadTree measures Load on a tree of your own, e.g. the one
// bench/context-scale.sh makes: SHIPSHAPE_BENCH_CONTEXT=/tmp/shipshape-ctx-scale/ctx.
func BenchmarkLoadTree(b *testing.B) {
	dir := os.Getenv("SHIPSHAPE_BENCH_CONTEXT")
	if dir == "" {
		b.Skip("SHIPSHAPE_BENCH_CONTEXT is not set")
	}
	for _, n := range []int{1, 2, 4, 8} {
		b.Run(fmt.Sprintf("workers=%d", n), func(b *testing.B) {
			for b.Loop() {
				if _, err := Load(dir, "", WithWorkers(n)); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkLoad(b *testing.B) {
	dir := b.TempDir()
	const n = 20000
	for i := range n {
		p := filepath.Join(dir, fmt.Sprintf("d%02d/e%02d/f%05d.txt", i%50, i%7, i))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			b.Fatal(err)
		}
		if err := os.WriteFile(p, []byte("x"), 0o644); err != nil {
			b.Fatal(err)
		}
	}
	write(b, dir, map[string]string{".dockerignore": "**/*.log\nd0*\n!d01\n"})
	b.ResetTimer()
	for b.Loop() {
		c, err := Load(dir, "")
		if err != nil {
			b.Fatal(err)
		}
		// d00 and d02..d09 are pruned (9 × 400 files); .dockerignore is added
		if len(c.Files) != n-9*n/50+1 || len(c.Pruned) != 9 {
			b.Fatalf("%d files, %d pruned", len(c.Files), len(c.Pruned))
		}
	}
	// files/s counts the whole tree, pruned files included, as a user sees it
	b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "files/s")
}
