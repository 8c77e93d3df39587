package buildctx

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestIgnoreEditAppends(t *testing.T) {
	for name, tc := range map[string]struct{ old, want string }{
		"newline at end":    {".git\n*.log\n", ".git\n*.log\nnode_modules\n.env\n"},
		"no newline at end": {".git\n*.log", ".git\n*.log\nnode_modules\n.env\n"},
		"crlf":              {".git\r\n*.log\r\n", ".git\r\n*.log\r\nnode_modules\r\n.env\r\n"},
		// "/.env" is the same pattern as ".env" once read: not added again
		"already there": {"# local\n/.env\n", "# local\n/.env\nnode_modules\n"},
	} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			write(t, dir, map[string]string{".dockerignore": tc.old, "Dockerfile": "FROM scratch\n"})
			c, err := Load(dir, "")
			if err != nil {
				t.Fatal(err)
			}
			e, err := c.PlanIgnoreEdit([]string{"node_modules", ".env", "node_modules", ""})
			if err != nil {
				t.Fatal(err)
			}
			if err := e.Apply(); err != nil {
				t.Fatal(err)
			}
			got, _ := os.ReadFile(filepath.Join(dir, ".dockerignore"))
			if string(got) != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

func TestIgnoreEditCreatesDockerignore(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, map[string]string{"Dockerfile": "FROM scratch\n", ".git/HEAD": "ref\n"})
	c, _ := Load(dir, "")
	e, err := c.PlanIgnoreEdit([]string{".git"})
	if err != nil {
		t.Fatal(err)
	}
	if !e.Create || e.File != ".dockerignore" {
		t.Fatalf("edit %+v", e)
	}
	if err := e.Apply(); err != nil {
		t.Fatal(err)
	}
	if c, _ = Load(dir, ""); c.IgnoreFile != ".dockerignore" || c.SentFiles != 2 {
		t.Errorf("after creating: ignore file %q, %d files sent", c.IgnoreFile, c.SentFiles)
	}
	// the plan said create; a file that appeared since is not replaced
	if err := e.Apply(); err == nil || !strings.Contains(err.Error(), "created meanwhile") {
		t.Errorf("second create: %v", err)
	}
}

// The edit writes only inside the context: not through a symbolic link, not
// into an ignore file that lies outside (a Dockerfile given as ../x), not
// through a directory that is a link to elsewhere.
func TestIgnoreEditStaysInsideTheContext(t *testing.T) {
	root := t.TempDir()
	outside := filepath.Join(root, "outside")
	ctx := filepath.Join(root, "ctx")
	write(t, root, map[string]string{"outside/Dockerfile": "FROM scratch\n", "outside/Dockerfile.dockerignore": ".git\n",
		"outside/real.dockerignore": ".git\n", "ctx/app.py": "x"})
	must := func(err error) {
		if err != nil {
			t.Fatal(err)
		}
	}
	check := func(name string, c *Context) {
		t.Helper()
		e, err := c.PlanIgnoreEdit([]string{"app.py"})
		must(err)
		if err := e.Apply(); err == nil {
			t.Errorf("%s: wrote %s", name, e.File)
		}
		for _, f := range []string{"Dockerfile.dockerignore", "real.dockerignore"} {
			if data, _ := os.ReadFile(filepath.Join(outside, f)); string(data) != ".git\n" {
				t.Errorf("%s: %s changed to %q", name, f, data)
			}
		}
	}
	// a Dockerfile outside the context brings its ignore file from outside
	c, err := Load(ctx, filepath.Join(outside, "Dockerfile"))
	must(err)
	if !strings.HasPrefix(c.IgnoreFile, "../") {
		t.Fatalf("ignore file %q", c.IgnoreFile)
	}
	check("outside", c)
	// .dockerignore is a link to a file outside
	must(os.Symlink(filepath.Join(outside, "real.dockerignore"), filepath.Join(ctx, ".dockerignore")))
	c, err = Load(ctx, "")
	must(err)
	check("symlink", c)
	// the Dockerfile sits in a directory that links outside
	must(os.Remove(filepath.Join(ctx, ".dockerignore")))
	must(os.Symlink(outside, filepath.Join(ctx, "build")))
	c, err = Load(ctx, "build/Dockerfile")
	must(err)
	if c.IgnoreFile != "build/Dockerfile.dockerignore" {
		t.Fatalf("ignore file %q", c.IgnoreFile)
	}
	check("linked directory", c)
}

func TestSavings(t *testing.T) {
	c, err := Load(nodeApp(t, ".git\nnode_modules\n*.csv\ndata\n!keep.csv\n/nothing-here\n"), "")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, s := range c.Savings() {
		got = append(got, s.Pattern+" "+HumanBytes(s.Bytes)+" "+strings.Repeat("f", s.Files))
	}
	// data/big.csv is decided by the later `data`; `!keep.csv` is no line of
	// its own; the leading slash is cleaned away
	want := ".git 4.9 KiB ff|node_modules 4.9 KiB ff|*.csv 0 B |data 9.8 KiB f|nothing-here 0 B "
	if strings.Join(got, "|") != want {
		t.Errorf("savings\n got %s\nwant %s", strings.Join(got, "|"), want)
	}
}
