package testimages

import (
	"encoding/binary"
	"os"
	"strings"
	"sync"
	"testing"
)

// Images for the image checks (rules IMnnn): realistic Dockerfiles, built
// offline on busybox. Stand-ins for apt-get and pip (tools/ in the context)
// write what the real tools leave behind — package lists, .deb archives,
// dpkg's status and file lists, docs, logs, a compiler pulled in as a
// recommendation, caches — with contents from `seq`, so every size is the
// same on every machine. Each image is built in Docker format (BUILDAH_FORMAT
// is set by BuildChecks) so that its config keeps HEALTHCHECK.
var (
	// CheckBad is a Python service written with the practice catalogue's
	// anti-patterns: apt lists left, a compiler and -dev packages pulled in as
	// recommendations, sshd and sudo, .git and tests copied then deleted, a
	// chmod -R that duplicates the app, a deploy key added then deleted, pip's
	// cache, secrets in ENV and in a RUN line, root, EXPOSE 22, shell-form CMD.
	CheckBad = Spec{Name: "check-bad", Dockerfile: Base + `COPY --chmod=755 tools/ /usr/bin/
RUN apt-get update
RUN apt-get install -y python3 python3-pip curl openssh-server sudo
COPY app/ /app/
RUN rm -rf /app/.git
RUN chmod -R 755 /app
COPY deploy_key /root/.ssh/id_ed25519
RUN rm /root/.ssh/id_ed25519
RUN pip install flask
RUN GITLAB_TOKEN=glpat-Zq3vN8xW2kR7mT4pL9sY sh -c 'echo deploying >/dev/null'
ENV GITHUB_TOKEN=ghp_k3Jx9QwErTy7UiOp2AsDfGhJkL4ZxCvBnM5q DB_PASSWORD=correct-horse-battery-staple
WORKDIR /app
EXPOSE 22 8000
CMD python3 -m app
`, Files: checkFiles(map[string]string{
		"app/app/__init__.py":           "",
		"app/app/__main__.py":           "from .main import serve\n\nserve()\n",
		"app/app/main.py":               "def serve():\n    print('serving')\n",
		"app/.git/HEAD":                 "ref: refs/heads/main\n",
		"app/.git/config":               "[core]\n\trepositoryformatversion = 0\n",
		"app/.git/objects/pack/pack.pk": seqText(1, 6000),
		"app/tests/test_main.py":        "def test_serve():\n    pass\n",
		"app/tests/data/readings.csv":   seqText(100000, 103000),
		"deploy_key":                    FakeKey,
	})}

	// CheckGood is the same service done right: one RUN that installs
	// without recommendations and cleans up, pip without a cache, only the
	// application copied with its mode set by COPY, an entrypoint that
	// execs, a registry-only .npmrc (no token), an unprivileged user,
	// exec-form CMD, a HEALTHCHECK.
	CheckGood = Spec{Name: "check-good", Dockerfile: Base + `COPY --chmod=755 tools/ /usr/bin/
ENV PYTHONDONTWRITEBYTECODE=1 DB_PASSWORD_FILE=/run/secrets/db_password
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 \
 && apt-get clean \
 && rm -rf /var/lib/apt/lists/*
RUN pip install --no-cache-dir flask
COPY --chmod=755 app/app/ /app/app/
COPY --chmod=755 docker-entrypoint.sh /usr/local/bin/
COPY app/.npmrc /root/.npmrc
WORKDIR /app
USER 10001
EXPOSE 8000
HEALTHCHECK CMD ["python3", "-m", "app.health"]
ENTRYPOINT ["docker-entrypoint.sh"]
CMD ["python3", "-m", "app"]
`, Files: checkFiles(map[string]string{
		"app/app/__init__.py":  "",
		"app/app/__main__.py":  "from .main import serve\n\nserve()\n",
		"app/app/main.py":      "def serve():\n    print('serving')\n",
		"app/.npmrc":           "registry=https://registry.npmjs.org/\n",
		"docker-entrypoint.sh": "#!/bin/sh\nset -e\nif [ \"${1#-}\" != \"$1\" ]; then\n  set -- python3 -m app \"$@\"\nfi\nexec \"$@\"\n",
	})}

	// CheckWorker is a background worker with the other problems: npm's and
	// Go's caches, files left in /tmp, Python bytecode, a Mercurial
	// directory and a core dump copied from the checkout, credentials files
	// (one deleted later), a world-writable directory and file, a setgid
	// helper, a copied model (the same content twice), USER 0 and an
	// entrypoint script that does not exec.
	CheckWorker = Spec{Name: "check-worker", Dockerfile: Base + `COPY src/ /srv/app/
RUN mkdir -p /root/.npm/_cacache/content-v2/sha512 /root/.cache/go-build/3f /tmp/build \
 && seq 1 4000 > /root/.npm/_cacache/content-v2/sha512/blob \
 && seq 1 3000 > /root/.cache/go-build/3f/3f2a-d \
 && seq 1 2000 > /tmp/build/worker.tar
COPY aws-credentials /root/.aws/credentials
COPY npmrc /root/.npmrc
COPY docker-config.json /root/.docker/config.json
RUN rm /root/.npmrc
RUN mkdir -p /data && chmod 777 /data && chmod 666 /srv/app/config.yml
RUN mkdir -p /usr/local/bin && seq 1 100 > /usr/local/bin/helper && chmod 2755 /usr/local/bin/helper
RUN cp /srv/app/model.bin /srv/app/model-copy.bin
COPY start.sh /usr/local/bin/start.sh
USER 0
ENTRYPOINT ["/bin/sh", "/usr/local/bin/start.sh"]
`, Files: map[string]string{
		"src/worker.py":                          "def main():\n    pass\n",
		"src/__pycache__/worker.cpython-311.pyc": seqText(1, 300),
		"src/.hg/store/00changelog.i":            seqText(1, 500),
		"src/core":                               fakeELF(4, ""),
		"src/.env":                               "DATABASE_URL=postgres://worker:w0rker-pass@db/jobs\n",
		"src/config.yml":                         "queue: jobs\n",
		"src/model.bin":                          seqText(1, 8000),
		"aws-credentials":                        "[default]\naws_access_key_id = AKIAQWERTYUIOPASDFGH\naws_secret_access_key = d3Adb33fd3Adb33fd3Adb33fd3Adb33fd3Adb33f\n",
		"npmrc":                                  "//registry.npmjs.org/:_authToken=npm_Zx8Cv7Bn6Mq5Lw4Ke3Rj2Ht1Gy0Fu9Dd8Ss7Aa\n",
		"docker-config.json":                     "{\n  \"auths\": {\n    \"registry.example.com\": {\n      \"auth\": \"d29ya2VyOnMzY3IzdA==\"\n    }\n  }\n}\n",
		"start.sh":                               "#!/bin/sh\nset -e\ncd /srv/app\npython3 worker.py\n",
	}}

	// CheckMuslBad is an Alpine-like (musl) root filesystem with a program
	// linked against glibc copied in.
	CheckMuslBad = Spec{Name: "check-musl-bad", Dockerfile: Base + `RUN mkdir -p /lib && seq 1 100 > /lib/ld-musl-x86_64.so.1
COPY --chmod=755 tool-linux-amd64 /usr/local/bin/tool
USER 65534
`, Files: map[string]string{"tool-linux-amd64": fakeELF(2, "/lib64/ld-linux-x86-64.so.2")}}

	// CheckMuslGood is the same root filesystem with a musl program, a glibc
	// program that gcompat's loader runs, and the setuid helper Alpine
	// ships.
	CheckMuslGood = Spec{Name: "check-musl-good", Dockerfile: Base + `RUN mkdir -p /lib /lib64 && seq 1 100 > /lib/ld-musl-x86_64.so.1 \
 && seq 1 50 > /lib64/ld-linux-x86-64.so.2 \
 && seq 1 20 > /bin/bbsuid && chmod 4755 /bin/bbsuid
COPY --chmod=755 tool-musl /usr/local/bin/tool-musl
COPY --chmod=755 tool-linux-amd64 /usr/local/bin/tool
USER 65534
`, Files: map[string]string{
		"tool-musl":        fakeELF(2, "/lib/ld-musl-x86_64.so.1"),
		"tool-linux-amd64": fakeELF(2, "/lib64/ld-linux-x86-64.so.2"),
	}}
)

// Checks is every image of the image checks.
var Checks = []Spec{CheckBad, CheckGood, CheckWorker, CheckMuslBad, CheckMuslGood}

// FakeKey looks like an OpenSSH private key to secret scanners; it is not one.
const FakeKey = fakeKey

var dockerFormat sync.Once

// BuildChecks builds one of the Checks images in Docker format, which keeps
// HEALTHCHECK in the config (the OCI format has no place for it).
func BuildChecks(t testing.TB, s Spec) *Built {
	t.Helper()
	dockerFormat.Do(func() { os.Setenv("BUILDAH_FORMAT", "docker") })
	return Build(t, s)
}

// checkFiles adds the stand-in tools to a context.
func checkFiles(files map[string]string) map[string]string {
	files["tools/apt-get"] = fakeAptGet
	files["tools/pip"] = fakePip
	return files
}

// seqText is what `seq from to` prints.
func seqText(from, to int) string {
	var b strings.Builder
	for i := from; i <= to; i++ {
		b.WriteString(itoa(i))
		b.WriteByte('\n')
	}
	return b.String()
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var d []byte
	for ; n > 0; n /= 10 {
		d = append([]byte{byte('0' + n%10)}, d...)
	}
	return string(d)
}

// fakeELF is a 64-bit little-endian ELF header of the given type (2 a
// program, 4 a core dump) with one PT_INTERP program header naming interp
// when it is not empty, padded to 256 bytes. It runs nowhere.
func fakeELF(etype uint16, interp string) string {
	b := make([]byte, 256)
	copy(b, "\x7fELF")
	b[4], b[5], b[6] = 2, 1, 1 // 64-bit, little-endian, version 1
	le := binary.LittleEndian
	le.PutUint16(b[16:], etype)
	le.PutUint16(b[18:], 62) // x86-64
	le.PutUint32(b[20:], 1)
	le.PutUint16(b[52:], 64) // header size
	le.PutUint16(b[54:], 56) // program header size
	if interp != "" {
		le.PutUint64(b[32:], 64) // program headers at 64
		le.PutUint16(b[56:], 1)
		ph := b[64:]
		le.PutUint32(ph[0:], 3)   // PT_INTERP
		le.PutUint64(ph[8:], 120) // offset
		le.PutUint64(ph[32:], uint64(len(interp)+1))
		copy(b[120:], interp)
	}
	return string(b)
}

// fakeAptGet stands in for apt-get: `update` writes package lists, `install`
// writes each package's files, its dpkg status entry and file list, its
// .deb, docs and log lines (and, without --no-install-recommends,
// python3-pip's recommendations gcc and libpython3-dev), `clean` removes the
// archives.
const fakeAptGet = `#!/bin/sh
# apt-get for the shipshape test images: writes what the real one leaves behind, offline.
set -e
cmd= recommends=1 pkgs= list=/dev/null
for a in "$@"; do
  case "$a" in
    --no-install-recommends) recommends= ;;
    -*) ;;
    *) if [ -z "$cmd" ]; then cmd=$a; else pkgs="$pkgs $a"; fi ;;
  esac
done
blob() { # blob FILE LINES: content of a size fixed by the path
  mkdir -p "${1%/*}"
  s=$(echo "$1" | cksum | cut -d' ' -f1)
  seq "$s" $((s + $2)) > "$1"
  echo "$1" >> "$list"
}
install_one() {
  p=$1
  mkdir -p /var/lib/dpkg/info /var/log/apt
  list=/var/lib/dpkg/info/$p.list
  : > "$list"
  printf 'Package: %s\nStatus: install ok installed\nVersion: 1.0\n\n' "$p" >> /var/lib/dpkg/status
  blob /usr/share/doc/$p/changelog.Debian.gz 40
  case $p in
    gcc) blob /usr/bin/gcc-12 300; ln -sf gcc-12 /usr/bin/gcc; blob /usr/lib/gcc/x86_64-linux-gnu/12/cc1 4000 ;;
    *-dev) blob /usr/include/${p%-dev}.h 200; blob /usr/lib/x86_64-linux-gnu/${p%-dev}.a 400 ;;
    python3) blob /usr/bin/python3.11 2000; blob /usr/lib/python3.11/os.py 300 ;;
    python3-pip) blob /usr/lib/python3/dist-packages/pip/__init__.py 50 ;;
    curl) blob /usr/bin/curl 100 ;;
    openssh-server) blob /usr/sbin/sshd 500 ;;
    sudo) blob /usr/bin/sudo 200; chmod 4755 /usr/bin/sudo ;;
  esac
  list=/dev/null
  mkdir -p /var/cache/apt/archives
  blob /var/cache/apt/archives/${p}_1.0_amd64.deb 200
  echo "2024-01-01 00:00:00 install $p:amd64 <none> 1.0" >> /var/log/dpkg.log
  if [ "$p" = python3-pip ] && [ -n "$recommends" ]; then
    install_one gcc
    install_one libpython3-dev
  fi
}
case $cmd in
  update)
    mkdir -p /var/lib/apt/lists/partial
    blob /var/lib/apt/lists/deb.debian.org_debian_dists_bookworm_main_binary-amd64_Packages 3000
    blob /var/lib/apt/lists/deb.debian.org_debian_dists_bookworm_InRelease 50
    : > /var/lib/apt/lists/lock ;;
  install)
    [ -f /var/lib/dpkg/status ] && cp /var/lib/dpkg/status /var/lib/dpkg/status-old
    for p in $pkgs; do install_one "$p"; done
    blob /var/cache/apt/pkgcache.bin 300
    echo "Commandline: apt-get $*" >> /var/log/apt/history.log ;;
  clean)
    rm -rf /var/cache/apt/archives/*.deb /var/cache/apt/*.bin ;;
  *)
    echo "apt-get (test stand-in): $cmd is not faked" >&2
    exit 100 ;;
esac
`

// fakePip stands in for pip: `install` writes a package into site-packages
// with its bytecode and, without --no-cache-dir, a wheel in pip's cache.
const fakePip = `#!/bin/sh
# pip for the shipshape test images: writes what the real one leaves behind, offline.
set -e
cache=1 pkgs=
for a in "$@"; do
  case "$a" in
    --no-cache-dir) cache= ;;
    install|-*) ;;
    *) pkgs="$pkgs $a" ;;
  esac
done
for p in $pkgs; do
  d=/usr/local/lib/python3.11/site-packages/$p
  mkdir -p "$d/__pycache__"
  seq 1 400 > "$d/__init__.py"
  seq 1 300 > "$d/__pycache__/__init__.cpython-311.pyc"
  if [ -n "$cache" ]; then
    mkdir -p /root/.cache/pip/http-v2/a/b
    seq 1 5000 > "/root/.cache/pip/http-v2/a/b/$p-3.0.0-py3-none-any.whl.body"
  fi
done
`
