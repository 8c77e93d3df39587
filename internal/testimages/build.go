package testimages

import (
	"bytes"
	"crypto/sha256"
	"debug/elf"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"syscall"
	"testing"
)

// Spec is an image to build: a Dockerfile whose context holds Files and a
// static busybox named "busybox" (see Base).
type Spec struct {
	Name       string            // image name: lowercase, used in tags and file names
	Dockerfile string            // usually Base + steps
	Files      map[string]string // context files beside busybox, by slash path
	// Driver is the containers-storage driver: "" for vfs, "overlay" where a
	// case needs what only overlay emits (opaque directories).
	Driver string
}

// Base starts a Dockerfile from scratch with busybox-static installed as
// /bin/busybox and its applets linked in /bin, so RUN steps have a shell.
const Base = `FROM scratch
COPY busybox /bin/busybox
RUN ["/bin/busybox", "--install", "-s", "/bin"]
`

// Built is an image built once per cache and exported in each format.
type Built struct {
	Spec
	Tag           string // localhost/NAME:latest, as the exports record it
	DockerArchive string // docker save layout, uncompressed layers
	OCIArchive    string // OCI layout in a tar, gzip layers, ref name NAME
	OCIDir        string // OCI layout directory, gzip layers, ref name NAME
	ZstdArchive   string // OCI layout in a tar, zstd layers, ref name NAME

	root, runroot string
}

// cache is where images are built: $SHIPSHAPE_TESTIMAGES_CACHE, shared
// between runs and processes, or a directory of this process that RunTests
// removes.
var cache struct {
	once sync.Once
	dir  string
	temp bool
	err  error

	mu     sync.Mutex
	builds map[string]*build
}

type build struct {
	once  sync.Once
	built *Built
	err   error
}

func cacheDir() (string, error) {
	cache.once.Do(func() {
		if d := os.Getenv("SHIPSHAPE_TESTIMAGES_CACHE"); d != "" {
			cache.dir, cache.err = d, os.MkdirAll(d, 0o755)
			return
		}
		cache.dir, cache.err = os.MkdirTemp("", "shipshape-testimages-")
		cache.temp = true
	})
	return cache.dir, cache.err
}

// RunTests runs a package's tests and then removes this process's image
// cache. Use it from TestMain: os.Exit(testimages.RunTests(m)).
func RunTests(m *testing.M) int {
	code := m.Run()
	if cache.temp && cache.dir != "" {
		os.RemoveAll(cache.dir)
	}
	return code
}

// Require skips the test when a tool is missing, or fails it when
// SHIPSHAPE_REQUIRE_INTEGRATION=1 (as CI sets).
func Require(t testing.TB, tools ...string) {
	t.Helper()
	for _, tool := range tools {
		if _, err := exec.LookPath(tool); err != nil {
			if os.Getenv("SHIPSHAPE_REQUIRE_INTEGRATION") == "1" {
				t.Fatalf("SHIPSHAPE_REQUIRE_INTEGRATION=1 but %s is missing: %v", tool, err)
			}
			t.Skipf("%s is not installed: %v", tool, err)
		}
	}
}

// Build builds s with buildah unless this cache already holds it, and
// exports it as docker-archive, oci-archive, oci directory and zstd
// oci-archive. Builds are reproducible (--timestamp 0), so digests are
// stable across runs.
func Build(t testing.TB, s Spec) *Built {
	t.Helper()
	Require(t, "buildah")
	dir, err := cacheDir()
	if err != nil {
		t.Fatalf("image cache: %v", err)
	}
	busybox, err := staticBusybox()
	if err != nil {
		t.Fatal(err)
	}
	key := specKey(s, busybox)
	cache.mu.Lock()
	if cache.builds == nil {
		cache.builds = map[string]*build{}
	}
	b := cache.builds[key]
	if b == nil {
		b = &build{}
		cache.builds[key] = b
	}
	cache.mu.Unlock()
	b.once.Do(func() { b.built, b.err = buildLocked(filepath.Join(dir, s.Name+"-"+key[:16]), s, busybox) })
	if b.err != nil {
		t.Fatalf("building test image %s: %v", s.Name, b.err)
	}
	return b.built
}

func specKey(s Spec, busybox []byte) string {
	h := sha256.New()
	fmt.Fprintf(h, "v1\x00%s\x00%s\x00%s\x00", s.Name, s.Driver, s.Dockerfile)
	names := make([]string, 0, len(s.Files))
	for n := range s.Files {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(h, "%s\x00%d\x00%s", n, len(s.Files[n]), s.Files[n])
	}
	h.Write(busybox)
	return hex.EncodeToString(h.Sum(nil))
}

// staticBusybox reads /bin/busybox and checks it is static: a FROM scratch
// image has no loader for a dynamic one.
func staticBusybox() ([]byte, error) {
	const p = "/bin/busybox"
	f, err := elf.Open(p)
	if err != nil {
		return nil, fmt.Errorf("test images need busybox-static at %s: %w", p, err)
	}
	defer f.Close()
	for _, prog := range f.Progs {
		if prog.Type == elf.PT_INTERP {
			return nil, fmt.Errorf("%s is dynamically linked; install busybox-static", p)
		}
	}
	return os.ReadFile(p)
}

// buildLocked builds into dir unless another process did, holding a lock
// per image name: processes sharing $SHIPSHAPE_TESTIMAGES_CACHE build each
// image once, and two specs of one name never race for its tag.
func buildLocked(dir string, s Spec, busybox []byte) (*Built, error) {
	if err := os.MkdirAll(filepath.Dir(dir), 0o755); err != nil {
		return nil, err
	}
	lock, err := os.OpenFile(filepath.Join(filepath.Dir(dir), s.Name+".lock"), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, err
	}
	defer lock.Close()
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX); err != nil {
		return nil, err
	}
	defer syscall.Flock(int(lock.Fd()), syscall.LOCK_UN)

	// One store per driver, shared by every image: the Base steps are
	// built once and reused through --layers.
	store := filepath.Join(filepath.Dir(dir), "store-"+driverOf(s))
	b := &Built{
		Spec:          s,
		Tag:           "localhost/" + s.Name + ":latest",
		DockerArchive: filepath.Join(dir, "docker.tar"),
		OCIArchive:    filepath.Join(dir, "oci.tar"),
		OCIDir:        filepath.Join(dir, "oci"),
		ZstdArchive:   filepath.Join(dir, "zstd.tar"),
		root:          filepath.Join(store, "root"),
		runroot:       filepath.Join(store, "run"),
	}
	if _, err := os.Stat(filepath.Join(dir, "done")); err == nil {
		return b, nil
	}
	os.RemoveAll(dir) // a build that died half way
	ctxDir := filepath.Join(dir, "context")
	if err := writeContext(ctxDir, s, busybox); err != nil {
		return nil, err
	}
	if _, err := b.buildah("bud", "--layers", "--isolation", "chroot", "--timestamp", "0",
		"-t", b.Tag, "-f", filepath.Join(ctxDir, "Dockerfile"), ctxDir); err != nil {
		return nil, err
	}
	pushes := [][]string{
		{"push", b.Tag, "docker-archive:" + b.DockerArchive + ":" + b.Tag},
		{"push", b.Tag, "oci-archive:" + b.OCIArchive + ":" + s.Name},
		{"push", b.Tag, "oci:" + b.OCIDir + ":" + s.Name},
		{"push", "--compression-format", "zstd", b.Tag, "oci-archive:" + b.ZstdArchive + ":" + s.Name},
	}
	for _, p := range pushes {
		if _, err := b.buildah(p...); err != nil {
			return nil, err
		}
	}
	return b, os.WriteFile(filepath.Join(dir, "done"), nil, 0o644)
}

func writeContext(dir string, s Spec, busybox []byte) error {
	files := map[string][]byte{"Dockerfile": []byte(s.Dockerfile), "busybox": busybox}
	for n, c := range s.Files {
		files[n] = []byte(c)
	}
	for n, c := range files {
		p := filepath.Join(dir, filepath.FromSlash(n))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		mode := os.FileMode(0o644)
		if n == "busybox" {
			mode = 0o755
		}
		if err := os.WriteFile(p, c, mode); err != nil {
			return err
		}
	}
	return nil
}

func driverOf(s Spec) string {
	if s.Driver == "" {
		return "vfs"
	}
	return s.Driver
}

// buildah runs buildah on this image's own store.
func (b *Built) buildah(args ...string) (string, error) {
	full := append([]string{"--storage-driver", driverOf(b.Spec), "--root", b.root, "--runroot", b.runroot}, args...)
	return run("buildah", full...)
}

// run executes a tool and returns its stdout, or an error carrying the tail
// of its output.
func run(tool string, args ...string) (string, error) {
	cmd := exec.Command(tool, args...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("%s %s: %w\n%s", tool, strings.Join(args, " "), err, tail(out.String()+errb.String(), 3000))
	}
	return out.String(), nil
}

func tail(s string, n int) string {
	if len(s) > n {
		return "…" + s[len(s)-n:]
	}
	return s
}

// copyFile copies a file, for tests that damage an export.
func copyFile(dst, src string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.Create(dst)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// Copy returns a writable copy of one of the image's archive files in a
// fresh temporary directory, for tests that damage it.
func (b *Built) Copy(t testing.TB, archive string) string {
	t.Helper()
	dst := filepath.Join(t.TempDir(), filepath.Base(archive))
	if err := copyFile(dst, archive); err != nil {
		t.Fatal(err)
	}
	return dst
}
