package testimages

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// Registry starts a docker-registry (distribution) on 127.0.0.1 with its
// storage in a temporary directory, and stops it when the test ends. It
// returns the registry's host:port.
func Registry(t testing.TB) string {
	t.Helper()
	Require(t, "docker-registry")
	dir := t.TempDir()
	port, err := freePort()
	if err != nil {
		t.Fatal(err)
	}
	host := fmt.Sprintf("127.0.0.1:%d", port)
	cfg := fmt.Sprintf(`version: 0.1
log:
  level: error
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: %s
  delete:
    enabled: true
http:
  addr: %s
`, filepath.Join(dir, "data"), host)
	cfgPath := filepath.Join(dir, "config.yml")
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	start(t, "docker-registry", []string{"serve", cfgPath}, filepath.Join(dir, "registry.log"), func() bool {
		resp, err := http.Get("http://" + host + "/v2/")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	})
	return host
}

// Push copies the image (its gzip OCI archive) to a registry with skopeo
// and returns the reference it is at: HOST/NAME:latest.
func (b *Built) Push(t testing.TB, host string) string {
	t.Helper()
	ref := host + "/" + b.Name + ":latest"
	PushArchive(t, b.OCIArchive+":"+b.Name, ref)
	return ref
}

// PushArchive copies an OCI archive (PATH[:REF]) to ref, a registry
// reference without docker://, keeping every platform of an index.
func PushArchive(t testing.TB, archive, ref string) {
	t.Helper()
	Require(t, "skopeo")
	if _, err := run("skopeo", "--insecure-policy", "copy", "--all", "--dest-tls-verify=false",
		"oci-archive:"+archive, "docker://"+ref); err != nil {
		t.Fatal(err)
	}
}

// Daemon starts podman's Docker-compatible API service on a fresh store
// holding the given images (tagged localhost/NAME:latest), and stops it when
// the test ends. It returns the DOCKER_HOST to reach it.
func Daemon(t testing.TB, images ...*Built) string {
	t.Helper()
	Require(t, "podman")
	// A short directory: unix socket paths are limited to 108 bytes.
	dir, err := os.MkdirTemp("", "ssd")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	global := []string{"--storage-driver", "vfs", "--root", filepath.Join(dir, "root"), "--runroot", filepath.Join(dir, "run"),
		"--cgroup-manager", "cgroupfs", "--events-backend", "file"}
	for _, b := range images {
		if _, err := run("podman", append(global, "load", "-q", "-i", b.DockerArchive)...); err != nil {
			t.Fatal(err)
		}
	}
	sock := filepath.Join(dir, "podman.sock")
	dockerHost := "unix://" + sock
	client := &http.Client{Transport: &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, "unix", sock)
		},
	}}
	start(t, "podman", append(global, "system", "service", "--time", "0", dockerHost), filepath.Join(dir, "podman.log"), func() bool {
		resp, err := client.Get("http://d/_ping")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	})
	return dockerHost
}

// start runs a service until the test ends, waiting up to 30 s for ready.
func start(t testing.TB, tool string, args []string, logPath string, ready func() bool) {
	t.Helper()
	logf, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(tool, args...)
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		logf.Close()
		t.Fatalf("starting %s: %v", tool, err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(10 * time.Second):
			cmd.Process.Kill()
			<-exited
		}
		logf.Close()
	})
	deadline := time.Now().Add(30 * time.Second)
	for !ready() {
		select {
		case err := <-exited:
			exited <- err
			out, _ := os.ReadFile(logPath)
			t.Fatalf("%s exited before it was ready: %v\n%s", tool, err, tail(string(out), 3000))
		case <-time.After(100 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			out, _ := os.ReadFile(logPath)
			t.Fatalf("%s not ready after 30s\n%s", tool, tail(string(out), 3000))
		}
	}
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
