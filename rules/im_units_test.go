package rules

import (
	"io/fs"
	"strings"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/shipshape-dev/shipshape/layers"
)

// Path and content classifiers of the image checks, on the cases the test
// images do not build (other package managers and tools, other formats).

func TestImagePathClassifiers(t *testing.T) {
	caches := map[string]string{
		"root/.cache/pip/http-v2/a/b/c.body":                              "root/.cache/pip",
		"home/app/.npm/_cacache/index-v5/00/x":                            "home/app/.npm/_cacache",
		"usr/local/share/.cache/yarn/v6/npm-a.tgz":                        "usr/local/share/.cache/yarn",
		"root/.cache/go-build/3f/3f2a-d":                                  "root/.cache/go-build",
		"go/pkg/mod/cache/download/x.zip":                                 "go/pkg/mod",
		"root/.m2/repository/org/x.jar":                                   "root/.m2/repository",
		"home/gradle/.gradle/caches/modules-2/x.jar":                      "home/gradle/.gradle/caches",
		"root/.gem/specs/x":                                               "root/.gem",
		"usr/local/bundle/cache/rails-7.gem":                              "usr/local/bundle/cache",
		"root/.composer/cache/files/x.zip":                                "root/.composer/cache",
		"root/.cargo/registry/cache/x.crate":                              "root/.cargo/registry",
		"app/node_modules/.pnpm-store/v3/x":                               "app/node_modules/.pnpm-store",
		"usr/lib/python3/dist-packages/pip/_vendor/cachecontrol/cache.py": "",
		"usr/share/doc/pip/.cache/pip/x":                                  "",
		"app/src/pip.py":                                                  "",
	}
	for p, want := range caches {
		if _, got := langCacheOf(p); got != want {
			t.Errorf("langCacheOf(%q) = %q, want %q", p, got, want)
		}
	}
	osCache := map[string]string{
		"var/lib/apt/lists/deb_Packages":           "/var/lib/apt/lists/",
		"var/lib/apt/lists/lock":                   "",
		"var/cache/apt/archives/curl_8_amd64.deb":  "/var/cache/apt/archives/",
		"var/cache/apt/archives/lock":              "",
		"var/cache/apt/pkgcache.bin":               "/var/cache/apt/pkgcache.bin",
		"var/cache/apk/APKINDEX.66b2.tar.gz":       "/var/cache/apk/",
		"var/cache/dnf/fedora-x/repodata/x.xml.gz": "/var/cache/dnf/",
		"var/cache/yum/x86_64/7/base/x.sqlite":     "/var/cache/yum/",
		"var/cache/zypp/raw/x":                     "/var/cache/zypp/",
		"var/cache/debconf/templates.dat":          "",
	}
	for p, want := range osCache {
		got := ""
		for _, c := range osCaches {
			if s := c.shown(p); s != "" {
				got = s
			}
		}
		if got != want {
			t.Errorf("os cache %q = %q, want %q", p, got, want)
		}
	}
	bytecode := map[string]string{
		"app/__pycache__/main.cpython-311.pyc":                       "/app/__pycache__/",
		"srv/legacy/util.pyc":                                        "/srv/legacy/util.pyc",
		"usr/lib/python3.11/__pycache__/os.cpython-311.pyc":          "",
		"usr/local/lib/python3.12/site-packages/x/__pycache__/a.pyc": "",
		"app/.venv/lib/python3.12/site-packages/x/__pycache__/a.pyc": "",
		"opt/venv/lib/python3.11/__pycache__/abc.cpython-311.pyc":    "",
		"app/main.py": "",
	}
	for p, want := range bytecode {
		if got := appBytecode(p); got != want {
			t.Errorf("appBytecode(%q) = %q, want %q", p, got, want)
		}
	}
	logs := map[string]string{
		"var/log/dpkg.log":                 "/var/log/dpkg.log",
		"var/log/apt/term.log":             "/var/log/apt/",
		"var/lib/dpkg/status-old":          "/var/lib/dpkg/status-old",
		"var/cache/debconf/config.dat-old": "/var/cache/debconf/config.dat-old",
		"app/logs/server.log":              "/app/logs/server.log",
		"usr/share/doc/x/build.log":        "",
		"var/lib/dpkg/status":              "",
	}
	for p, want := range logs {
		if got := logShown(p); got != want {
			t.Errorf("logShown(%q) = %q, want %q", p, got, want)
		}
	}
	toolchain := map[string]string{
		"usr/include/stdio.h":                         "C headers (/usr/include)",
		"usr/lib/gcc/x86_64-linux-gnu/12/cc1":         "gcc",
		"usr/bin/x86_64-linux-gnu-gcc-12":             "gcc",
		"usr/bin/clang-16":                            "clang",
		"usr/bin/x86_64-linux-gnu-ld.bfd":             "binutils",
		"usr/local/go/bin/go":                         "the Go toolchain",
		"usr/lib/jvm/java-17-openjdk-amd64/bin/javac": "a JDK (javac, jmods: a JRE runs the application)",
		"usr/lib/jvm/java-17-openjdk-amd64/bin/java":  "",
		"usr/lib/x86_64-linux-gnu/libc.a":             "static libraries",
		"usr/bin/python3.11":                          "",
		"usr/bin/ccache":                              "",
	}
	for p, want := range toolchain {
		if got := toolchainPath(p); got != want {
			t.Errorf("toolchainPath(%q) = %q, want %q", p, got, want)
		}
	}
	for name, want := range map[string]bool{
		"libpq-dev": true, "libc6-dev:amd64": true, "gcc-12": true, "g++": true, "build-essential": true,
		"openjdk-17-jdk-headless": true, "golang-1.21-go": true, "musl-dev": true, "build-base": true,
		"openjdk-17-jre-headless": false, "libpq5": false, "python3": false, "devscripts": false, "gcc-12-base": false,
	} {
		if got := toolchainPkg(name); got != want {
			t.Errorf("toolchainPkg(%q) = %v, want %v", name, got, want)
		}
	}
}

// apk's database gives the files of its toolchain packages only.
func TestApkToolchainFiles(t *testing.T) {
	db := "C:Q1abc=\nP:musl\nV:1.2.5-r0\nF:lib\nR:ld-musl-x86_64.so.1\n\n" +
		"P:gcc\nV:13.2.1-r0\nF:usr/bin\nR:gcc\nR:x86_64-alpine-linux-musl-gcc\nF:usr/libexec/gcc/x86_64-alpine-linux-musl/13.2.1\nR:cc1\n\n" +
		"P:openssl-dev\nF:usr/include/openssl\nR:ssl.h\n\n"
	e := &layers.Entry{Path: "lib/apk/db/installed", Size: int64(len(db)), Kind: layers.Regular}
	if !toolchainList(e) {
		t.Fatal("apk's database is not read")
	}
	got := readToolchainList(e, []byte(db)).(pkgFiles)
	want := "gcc: usr/bin/gcc usr/bin/x86_64-alpine-linux-musl-gcc usr/libexec/gcc/x86_64-alpine-linux-musl/13.2.1/cc1; openssl-dev: usr/include/openssl/ssl.h"
	if s := "gcc: " + strings.Join(got["gcc"], " ") + "; openssl-dev: " + strings.Join(got["openssl-dev"], " "); s != want || len(got) != 2 {
		t.Errorf("got %v\nwant %s", got, want)
	}
	if toolchainList(&layers.Entry{Path: "var/lib/dpkg/info/libpq5:amd64.list"}) || !toolchainList(&layers.Entry{Path: "var/lib/dpkg/info/libpq-dev:amd64.list"}) {
		t.Error("dpkg lists: only toolchain packages' are read")
	}
}

func TestImageContentReaders(t *testing.T) {
	keys := map[string]string{
		"-----BEGIN RSA PRIVATE KEY-----\nMIIE\n-----END RSA PRIVATE KEY-----\n":                           "RSA",
		"-----BEGIN OPENSSH PRIVATE KEY-----\nb3Bl\n-----END OPENSSH PRIVATE KEY-----\n":                   "OpenSSH",
		"-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n-----BEGIN PRIVATE KEY-----\nMC4\n": "PKCS#8",
		"-----BEGIN ENCRYPTED PRIVATE KEY-----\nMIIF\n-----END ENCRYPTED PRIVATE KEY-----\n":               "PKCS#8, passphrase-protected",
		"PuTTY-User-Key-File-3: ssh-ed25519\nEncryption: none\n":                                           "PuTTY",
		"-----BEGIN PUBLIC KEY-----\nMIIB\n-----END PUBLIC KEY-----\n":                                     "",
		"ssh-ed25519 AAAAC3Nza dev@laptop\n":                                                               "",
	}
	for src, want := range keys {
		got := ""
		if k, ok := readPrivateKey(nil, []byte(src)).(keyFact); ok {
			got = k.kind
			if k.encrypted {
				got += ", passphrase-protected"
			}
			if !strings.HasPrefix(k.fingerprint, "sha256:") || strings.Contains(src, strings.TrimPrefix(k.fingerprint, "sha256:")) {
				t.Errorf("fingerprint %q", k.fingerprint)
			}
		}
		if got != want {
			t.Errorf("readPrivateKey(%q) = %q, want %q", src, got, want)
		}
	}
	for p, want := range map[string]bool{
		"root/.ssh/id_rsa": true, "etc/ssh/ssh_host_ed25519_key": true, "app/certs/tls.key": true, "srv/notes.txt": true,
		"usr/lib/python3/dist-packages/x/key.pem": false, "usr/local/lib/python3.12/site-packages/twisted/test/server.pem": false,
	} {
		if got := keyCandidate(&layers.Entry{Path: p, Size: 200, Kind: layers.Regular}); got != want {
			t.Errorf("keyCandidate(%q) = %v, want %v", p, got, want)
		}
	}
	if interp, ok := elfInterp([]byte("#!/bin/sh\necho hi\n")); ok {
		t.Errorf("a script has no ELF loader, got %q", interp)
	}
	for p, want := range map[string]bool{"app/core": true, "tmp/core.4711": true, "app/core.py": false, "usr/lib/core": true, "app/coredump": false} {
		if got := coreCandidate(&layers.Entry{Path: p, Size: 4096}); got != want {
			t.Errorf("coreCandidate(%q) = %v, want %v", p, got, want)
		}
	}
	if !isCoreDump([]byte("\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x04\x00")) || isCoreDump([]byte("\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x02\x00")) {
		t.Error("isCoreDump: ET_CORE only")
	}
}

// Secrets in config strings are found, and redacted everywhere a report
// quotes them.
func TestSecretsInConfig(t *testing.T) {
	cases := map[string]string{
		"DB_PASSWORD=hunter2-in-prod":                                      "literal secret",
		"GITHUB_TOKEN=ghp_k3Jx9QwErTy7UiOp2AsDfGhJkL4ZxCvBnM5q":            "GitHub token",
		"|1 NPM_TOKEN=s3cr3t-value /bin/sh -c npm ci":                      "literal secret",
		"/bin/sh -c curl -o x https://deploy:hunter22@example.com/app.tgz": "password in a URL",
		"SLACK=xoxb-1234567890-abcdefghij":                                 "Slack token",
		"AWS_KEY=AKIAQWERTYUIOPASDFGH":                                     "AWS access key ID",
		"DB_PASSWORD_FILE=/run/secrets/db":                                 "",
		"PASSWORD=$DB_PASSWORD":                                            "",
		"MYSQL_ALLOW_EMPTY_PASSWORD=yes":                                   "",
		"PATH=/usr/local/bin:/usr/bin":                                     "",
	}
	for s, want := range cases {
		found := secretsIn(s)
		got := ""
		if len(found) > 0 {
			got = found[0].kind
		}
		if got != want {
			t.Errorf("secretsIn(%q) = %q, want %q", s, got, want)
		}
		if want != "" {
			red := redactSecrets(s)
			if red == s || strings.Contains(red, found[0].value) {
				t.Errorf("redactSecrets(%q) = %q", s, red)
			}
		}
	}
}

func TestMainProcess(t *testing.T) {
	cfg := func(ep, cmd []string) *v1.ConfigFile {
		return &v1.ConfigFile{Config: v1.Config{Entrypoint: ep, Cmd: cmd}}
	}
	for _, c := range []struct {
		cfg         *v1.ConfigFile
		prog, instr string
	}{
		{cfg([]string{"docker-entrypoint.sh"}, []string{"postgres"}), "docker-entrypoint.sh", "ENTRYPOINT"},
		{cfg([]string{"/sbin/tini", "--"}, []string{"/start.sh"}), "/start.sh", "CMD"},
		{cfg(nil, []string{"/bin/sh", "/app/run.sh"}), "/app/run.sh", "CMD"},
		{cfg(nil, []string{"/bin/sh", "-c", "python -m app"}), "", ""},
		{cfg(nil, []string{"$APP"}), "", ""},
	} {
		prog, instr := mainScript(c.cfg)
		if prog != c.prog || instr != c.instr {
			t.Errorf("mainScript(%v %v) = %q %q, want %q %q", c.cfg.Config.Entrypoint, c.cfg.Config.Cmd, prog, instr, c.prog, c.instr)
		}
	}
	if cmd, ok := shellForm([]string{"/bin/sh", "-c", "exec app"}); !ok || cmd != "exec app" {
		t.Error("shellForm")
	}
	if _, ok := shellForm([]string{"/bin/sh", "/app/run.sh"}); ok {
		t.Error("sh running a file is not shell form")
	}
	_ = fs.ModeSetuid
}
