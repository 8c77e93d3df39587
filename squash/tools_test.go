package squash_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// tool runs an external program and returns its stdout.
func tool(t testing.TB, name string, args ...string) string {
	t.Helper()
	cmd := exec.Command(name, args...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s %s: %v\n%s%s", name, strings.Join(args, " "), err, out.String(), errb.String())
	}
	return out.String()
}

// store is a private containers-storage for buildah and podman.
type store struct{ root, run string }

func newStore(t testing.TB) store {
	// A short directory: podman refuses a runroot path past 50 bytes.
	dir, err := os.MkdirTemp("", "sq")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	return store{filepath.Join(dir, "root"), filepath.Join(dir, "run")}
}

func (s store) flags() []string {
	return []string{"--storage-driver", "vfs", "--root", s.root, "--runroot", s.run}
}

// podmanLoad loads a docker-archive and returns what podman says.
func (s store) podmanLoad(t testing.TB, archive string) string {
	t.Helper()
	args := append(s.flags(), "--cgroup-manager", "cgroupfs", "--events-backend", "file", "load", "-i", archive)
	return tool(t, "podman", args...)
}

// buildahRun runs script with sh in a container of ref (chroot isolation).
func (s store) buildahRun(t testing.TB, ref, script string) string {
	t.Helper()
	ctr := strings.TrimSpace(tool(t, "buildah", append(s.flags(), "from", "--pull-never", ref)...))
	defer tool(t, "buildah", append(s.flags(), "rm", ctr)...)
	return tool(t, "buildah", append(s.flags(), "run", "--isolation", "chroot", ctr, "--", "/bin/sh", "-c", script)...)
}

// listing prints every path of the root filesystem but what the runtime
// mounts, with type, mode, owner, size and link count of files, link
// targets, and the sha256 of every regular file.
const listing = `cd / && find . -path ./proc -prune -o -path ./sys -prune -o -path ./dev -prune -o -path ./run -prune ` +
	`-o -path ./etc/hosts -prune -o -path ./etc/hostname -prune -o -path ./etc/resolv.conf -prune ` +
	`-o -print | sort | ` +
	`while read -r f; do if [ -f "$f" ] && [ ! -L "$f" ]; then stat -c '%n %F %a %u:%g %s %h' "$f"; sha256sum "$f"; ` +
	`elif [ -L "$f" ]; then stat -c '%n %F %a %u:%g %N' "$f"; else stat -c '%n %F %a %u:%g' "$f"; fi; done`

// lineDiff lists the lines only one of a and b holds.
func lineDiff(a, b string) string {
	in := func(s string) map[string]bool {
		m := map[string]bool{}
		for _, l := range strings.Split(s, "\n") {
			m[l] = true
		}
		return m
	}
	ma, mb := in(a), in(b)
	var out []string
	for _, l := range strings.Split(a, "\n") {
		if !mb[l] {
			out = append(out, "- "+l)
		}
	}
	for _, l := range strings.Split(b, "\n") {
		if !ma[l] {
			out = append(out, "+ "+l)
		}
	}
	return strings.Join(out, "\n")
}

// skopeoLayers lists the layer digests skopeo reads from ref.
func skopeoLayers(t testing.TB, ref string) []string {
	t.Helper()
	var doc struct{ Layers []string }
	if err := json.Unmarshal([]byte(tool(t, "skopeo", "inspect", "--tls-verify=false", ref)), &doc); err != nil {
		t.Fatal(err)
	}
	return doc.Layers
}

// unpack extracts ref (an oci-archive: or oci: reference) with umoci, an
// unpacker independent of ours, and returns its rootfs. skopeo recompresses
// the layers with gzip on the way, since umoci 0.4 reads no zstd.
func unpack(t testing.TB, ref string) string {
	t.Helper()
	dir := t.TempDir()
	layout := filepath.Join(dir, "layout")
	tool(t, "skopeo", "--insecure-policy", "copy", "--quiet", "--dest-compress", "--dest-compress-format", "gzip", ref, "oci:"+layout+":img")
	args := []string{"unpack", "--image", layout + ":img", filepath.Join(dir, "bundle")}
	if os.Geteuid() != 0 {
		args = append([]string{"unpack", "--rootless"}, args[1:]...)
	}
	tool(t, "umoci", args...)
	return filepath.Join(dir, "bundle", "rootfs")
}

// treeOf describes every path below root as one line: type, mode, owner,
// size, link count, mtime of non-directories, link target, content hash.
func treeOf(t testing.TB, root string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		if rel == "." {
			return nil
		}
		fi, err := os.Lstat(p)
		if err != nil {
			return err
		}
		st := fi.Sys().(*syscall.Stat_t)
		s := fmt.Sprintf("%v %d:%d", fi.Mode(), st.Uid, st.Gid)
		switch {
		case fi.Mode().IsRegular():
			f, err := os.Open(p)
			if err != nil {
				return err
			}
			h := sha256.New()
			io.Copy(h, f)
			f.Close()
			s += fmt.Sprintf(" size=%d links=%d mtime=%d sha256=%x", fi.Size(), st.Nlink, fi.ModTime().Unix(), h.Sum(nil))
		case fi.Mode()&fs.ModeSymlink != 0:
			target, _ := os.Readlink(p)
			s += " -> " + target + fmt.Sprintf(" mtime=%d", fi.ModTime().Unix())
		case fi.Mode()&fs.ModeDevice != 0:
			s += fmt.Sprintf(" rdev=%d", st.Rdev)
		}
		out[rel] = s
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// sameTree compares two trees, skipping the paths skip says were removed.
func sameTree(t testing.TB, want, got map[string]string, skip func(string) bool) {
	t.Helper()
	n := 0
	for p, w := range want {
		if skip != nil && skip(p) {
			if _, ok := got[p]; ok {
				t.Errorf("/%s: removed, but still in the squashed image", p)
			}
			continue
		}
		if g, ok := got[p]; !ok {
			t.Errorf("/%s: missing from the squashed image", p)
		} else if g != w {
			t.Errorf("/%s:\n  original %s\n  squashed %s", p, w, g)
		}
		if n++; t.Failed() && n > 20 {
			return
		}
	}
	for p := range got {
		if _, ok := want[p]; !ok {
			t.Errorf("/%s: only in the squashed image", p)
		}
	}
}
