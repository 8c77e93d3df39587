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
	// skipped directories are not walked, so their files are not counted
	if c.IgnoredFiles != 1 || c.IgnoredBytes != 9 {
		t.Errorf("ignored %d files %d bytes, want only .env", c.IgnoredFiles, c.IgnoredBytes)
	}
	if got := strings.Join(c.Pruned, " "); got != ".git data node_modules" {
		t.Errorf("pruned = %s", got)
	}
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
