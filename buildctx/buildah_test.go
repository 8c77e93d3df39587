package buildctx

import (
	"archive/tar"
	"bufio"
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// The cross-check against a real builder: buildah builds `FROM scratch` +
// `COPY . /ctx` from a realistic context, and the files inside the image must
// be exactly those Load says are sent. It needs buildah and root; it skips
// without them unless SHIPSHAPE_REQUIRE_INTEGRATION=1, which CI sets.

func requireBuildah(t *testing.T) string {
	t.Helper()
	required := os.Getenv("SHIPSHAPE_REQUIRE_INTEGRATION") == "1"
	skip := func(format string, args ...any) {
		t.Helper()
		if required {
			t.Fatalf("SHIPSHAPE_REQUIRE_INTEGRATION=1 but "+format, args...)
		}
		t.Skipf(format, args...)
	}
	bin, err := exec.LookPath("buildah")
	switch {
	case err != nil:
		skip("buildah is missing: %v", err)
	case os.Geteuid() != 0:
		skip("buildah runs here as root only (vfs storage, chroot isolation)")
	case testing.Short() && !required:
		t.Skip("-short: not running buildah")
	}
	return bin
}

// realisticContext has what the pattern semantics must get right: `!`
// exceptions inside excluded directories, `**`, a leading `/`, `?`, nested
// directories, empty directories, symbolic links (to a file, to a directory,
// dangling), names with spaces and UTF-8, and a Dockerfile-specific ignore
// file.
func realisticContext(t *testing.T, dir string) {
	t.Helper()
	write(t, dir, map[string]string{
		"Dockerfile":                      "FROM scratch\nCOPY . /ctx\n",
		"Dockerfile.alt":                  "FROM scratch\nCOPY . /ctx\n",
		"Dockerfile.alt.dockerignore":     "# only the sources and the manifest\n*\n!src\n!package.json\nsrc/**/*_test.go\n",
		"ci/Dockerfile":                   "FROM scratch\nCOPY . /ctx\n",
		"ci/Dockerfile.dockerignore":      "**\n!ci\n!Makefile\n",
		"Makefile":                        "all:\n",
		"package.json":                    "{}\n",
		".git/HEAD":                       "ref: refs/heads/main\n",
		".git/objects/ab/cdef":            "blob\n",
		"src/main.go":                     "package main\n",
		"src/lib/util.go":                 "package lib\n",
		"src/lib/util_test.go":            "package lib\n",
		"src/lib/deep/er/x.go":            "package er\n",
		"node_modules/a/index.js":         "1\n",
		"packages/web/node_modules/b.js":  "2\n",
		"packages/web/index.js":           "3\n",
		"packages/keep/node_modules/k.js": "4\n",
		"secret.env":                      "TOKEN=x\n",
		"sub/secret.env":                  "TOKEN=y\n",
		"app.log":                         "log\n",
		"important.log":                   "kept\n",
		"sub/deep.log":                    "nested\n",
		"docs/README.md":                  "# read me\n",
		"docs/guide/intro.md":             "# intro\n",
		"docs/guide/img.png":              "png\n",
		"build/out.bin":                   "bin\n",
		"build/keep.txt":                  "kept\n",
		"tmp1/x":                          "x\n",
		"tmpxy/y":                         "y\n",
		"py/pkg/__pycache__/m.pyc":        "pyc\n",
		"py/pkg/m.py":                     "m = 1\n",
		"with space.txt":                  "space\n",
		"ünïcödé.txt":                     "utf-8\n",
		".dockerignore": strings.Join([]string{
			"# comments and blank lines are not patterns", "",
			".git", "**/node_modules", "!packages/keep/node_modules",
			"/secret.env", // a leading slash is the context root
			"*.log", "!important.log", "docs/**/*.md", "!docs/README.md",
			"build/", "!build/keep.txt", "tmp?", "**/__pycache__",
		}, "\n") + "\n",
	})
	for _, d := range []string{"emptydir", "docs/empty"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for link, target := range map[string]string{"link-dir": "src", "link-file": "src/main.go", "dangling": "nowhere", "src/up": "../package.json"} {
		if err := os.Symlink(target, filepath.Join(dir, link)); err != nil {
			t.Fatal(err)
		}
	}
}

func TestAgainstBuildah(t *testing.T) {
	bin := requireBuildah(t)
	work := t.TempDir()
	ctx := filepath.Join(work, "ctx")
	realisticContext(t, ctx)
	buildah := func(args ...string) {
		t.Helper()
		all := append([]string{"--storage-driver", "vfs", "--root", filepath.Join(work, "root"), "--runroot", filepath.Join(work, "runroot")}, args...)
		cmd := exec.Command(bin, all...)
		cmd.Dir = work
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("buildah %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
	for i, dockerfile := range []string{"Dockerfile", "Dockerfile.alt", "ci/Dockerfile"} {
		t.Run(dockerfile, func(t *testing.T) {
			c, err := Load(ctx, dockerfile)
			if err != nil {
				t.Fatal(err)
			}
			args := []string{"bud", "--isolation", "chroot", "-q", "-f", filepath.Join(ctx, dockerfile)}
			// buildah 1.28 reads only the context's .dockerignore (or
			// .containerignore); --ignorefile gives it the file BuildKit and
			// the docker CLI pick, <Dockerfile>.dockerignore.
			if c.IgnoreFile != ".dockerignore" {
				args = append(args, "--ignorefile", filepath.Join(ctx, c.IgnoreFile))
			}
			tag := fmt.Sprintf("localhost/shipshape-ctx-%d", i)
			buildah(append(args, "-t", tag, ctx)...)
			layout := filepath.Join(work, fmt.Sprintf("oci-%d", i))
			buildah("push", "-q", tag, "oci:"+layout)
			files, dirs := imageEntries(t, layout, "ctx/")

			var want []string
			for _, f := range c.Files {
				if !f.Ignored {
					want = append(want, f.Path)
				}
			}
			sort.Strings(want)
			if got, exp := strings.Join(files, "\n"), strings.Join(want, "\n"); got != exp {
				t.Errorf("ignore file %s: buildah's image has\n%s\n\nshipshape says sent:\n%s", c.IgnoreFile, got, exp)
			}
			// Directories: those not excluded (empty ones too), and excluded
			// ones that hold something sent (an exception below them).
			var wantDirs []string
			for _, d := range c.Dirs {
				if !d.Ignored || d.Sent.Files > 0 {
					wantDirs = append(wantDirs, d.Path)
				}
			}
			sort.Strings(wantDirs)
			if got, exp := strings.Join(dirs, " "), strings.Join(wantDirs, " "); got != exp {
				t.Errorf("ignore file %s: directories in the image\n%s\nshipshape says\n%s", c.IgnoreFile, got, exp)
			}
			if len(files) < 3 || c.IgnoredFiles < 3 {
				t.Errorf("%d files in the image, %d ignored: is the test testing anything?", len(files), c.IgnoredFiles)
			}
			t.Logf("%s: %d files and %d directories in the image, as predicted; %d files ignored", c.IgnoreFile, len(files), len(dirs), c.IgnoredFiles)
		})
	}
}

// imageEntries lists the files (regular and symbolic links) and directories
// under prefix in the layers of the only image of an OCI layout, sorted.
func imageEntries(t *testing.T, layout, prefix string) (files, dirs []string) {
	t.Helper()
	var index struct {
		Manifests []struct{ Digest string }
	}
	readJSON(t, filepath.Join(layout, "index.json"), &index)
	if len(index.Manifests) != 1 {
		t.Fatalf("%s: %d manifests", layout, len(index.Manifests))
	}
	var manifest struct {
		Layers []struct{ MediaType, Digest string }
	}
	readJSON(t, blobPath(layout, index.Manifests[0].Digest), &manifest)
	for _, l := range manifest.Layers {
		f, err := os.Open(blobPath(layout, l.Digest))
		if err != nil {
			t.Fatal(err)
		}
		var r io.Reader = bufio.NewReader(f)
		if strings.HasSuffix(l.MediaType, "gzip") {
			if r, err = gzip.NewReader(r); err != nil {
				t.Fatal(err)
			}
		}
		tr := tar.NewReader(r)
		for {
			h, err := tr.Next()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				t.Fatalf("reading layer %s: %v", l.Digest, err)
			}
			name, ok := strings.CutPrefix(strings.TrimPrefix(h.Name, "./"), prefix)
			if !ok || name == "" {
				continue
			}
			if h.Typeflag == tar.TypeDir {
				dirs = append(dirs, strings.TrimSuffix(name, "/"))
			} else {
				files = append(files, name)
			}
		}
		f.Close()
	}
	sort.Strings(files)
	sort.Strings(dirs)
	return files, dirs
}

func blobPath(layout, digest string) string {
	algo, hex, _ := strings.Cut(digest, ":")
	return filepath.Join(layout, "blobs", algo, hex)
}

func readJSON(t *testing.T, path string, v any) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, v); err != nil {
		t.Fatalf("decoding %s: %v", path, err)
	}
}
