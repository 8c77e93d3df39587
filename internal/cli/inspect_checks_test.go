package cli_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/shipshape-dev/shipshape/internal/cli"
	"github.com/shipshape-dev/shipshape/internal/testimages"
	"github.com/shipshape-dev/shipshape/report"
)

// secretValues are the credentials planted in the Checks images: no report
// may print one, whatever the format and flags.
var secretValues = []string{
	"glpat-Zq3vN8xW2kR7mT4pL9sY",                 // a RUN line's variable (image history)
	"ghp_k3Jx9QwErTy7UiOp2AsDfGhJkL4ZxCvBnM5q",   // ENV
	"correct-horse-battery-staple",               // ENV DB_PASSWORD
	"c2hpcHNoYXBl",                               // the deploy key's body
	"AKIAQWERTYUIOPASDFGH",                       // .aws/credentials
	"d3Adb33fd3Adb33fd3Adb33fd3Adb33fd3Adb33f",   // .aws/credentials
	"npm_Zx8Cv7Bn6Mq5Lw4Ke3Rj2Ht1Gy0Fu9Dd8Ss7Aa", // .npmrc
	"d29ya2VyOnMzY3IzdA==",                       // .docker/config.json
	"w0rker-pass",                                // .env
}

func runInspect(t *testing.T, args ...string) (string, int) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := cli.Run(context.Background(), append([]string{"inspect"}, args...), nil, &stdout, &stderr)
	if code == 2 {
		t.Fatalf("shipshape inspect %v: %s", args, stderr.String())
	}
	return stdout.String() + stderr.String(), code
}

// Every format, with and without the Dockerfile, the analysis, entry lists
// and base findings: the secret checks fire, and no value is printed.
func TestInspectNeverPrintsSecrets(t *testing.T) {
	testimages.Require(t, "buildah")
	for _, spec := range []testimages.Spec{testimages.CheckBad, testimages.CheckWorker} {
		b := testimages.BuildChecks(t, spec)
		df := filepath.Join(t.TempDir(), "Dockerfile")
		if err := os.WriteFile(df, []byte(spec.Dockerfile), 0o644); err != nil {
			t.Fatal(err)
		}
		for _, format := range report.InspectFormats() {
			for _, extra := range [][]string{nil, {"--dockerfile", df}, {"--checks-only", "--base-findings", "--deep"}, {"--files", "--dockerfile", df}} {
				args := append([]string{"--format", format}, extra...)
				if format != "json" && slicesContains(extra, "--files") {
					continue
				}
				out, code := runInspect(t, append(args, b.DockerArchive)...)
				if code != 1 {
					t.Errorf("%s %v: exit %d, want 1 (secrets are errors)", spec.Name, args, code)
				}
				for _, code := range []string{"IM401", "IM402", "IM403"} {
					if strings.Contains(out, code) {
						goto found
					}
				}
				t.Errorf("%s %v: no secret check fired:\n%s", spec.Name, args, out)
			found:
				for _, v := range secretValues {
					if strings.Contains(out, v) {
						t.Errorf("%s %v: the report prints the secret %q", spec.Name, args, v)
					}
				}
			}
		}
	}
}

func slicesContains(s []string, v string) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

// The Dockerfiles of the benchmark images (../shared/tools/make-images.sh):
// the Python service written with the catalogue's anti-patterns, and right.
const (
	benchBadPython = `ARG BASE=localhost/bench/debian:bookworm
FROM ${BASE}
# anti-pattern: update in its own layer (stale cache, lists kept forever)
RUN apt-get update
# anti-patterns: recommends pulled in (python3-pip recommends build-essential, python3-dev, ...),
# apt lists never cleaned
RUN apt-get install -y python3 python3-pip curl
# anti-pattern: no .dockerignore, whole context incl. .git and tests/data
COPY . /app
# anti-pattern: deleting in a later layer does not shrink the image
RUN rm -rf /app/.git
# anti-pattern: chmod -R duplicates every file of /app into a new layer
RUN chmod -R 755 /app
WORKDIR /app
EXPOSE 8000
# anti-patterns: runs as root, shell-form CMD (sh -c is PID 1, no signal forwarding)
CMD python3 -m app
`
	benchGoodPython = `ARG BASE=localhost/bench/debian:bookworm
FROM ${BASE}
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
# one layer: update + minimal install + cleanup, unprivileged user
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 \
 && apt-get clean \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --user-group --no-create-home --home-dir /app --shell /usr/sbin/nologin app
WORKDIR /app
# only the application code (see .dockerignore); root-owned, read-only for the app user
COPY app/ /app/app/
USER 10001:10001
EXPOSE 8000
CMD ["python3", "-m", "app"]
`
)

// On the real Debian images of the benchmarks: every anti-pattern of
// bad-python is found on its line, with the bytes at stake; good-python gives
// nothing above info.
func TestInspectChecksOnBenchImages(t *testing.T) {
	dir := os.Getenv("SHIPSHAPE_BENCH_IMAGES")
	if dir == "" {
		t.Skip("SHIPSHAPE_BENCH_IMAGES not set (a directory written by ../shared/tools/make-images.sh)")
	}
	for _, c := range []struct {
		image, dockerfile string
		want              []string // code@line (bytes at least MiB) for warnings and errors
	}{
		{"bad-python.docker.tar", benchBadPython, []string{"IM201@4(18)", "IM205@7(200)", "IM204@9(30)", "IM210@9(48)",
			"IM211@13(48)", "IM404@2(0)", "IM410@17(0)"}},
		{"good-python.docker.tar", benchGoodPython, nil},
	} {
		t.Run(c.image, func(t *testing.T) {
			p := filepath.Join(dir, c.image)
			if _, err := os.Stat(p); err != nil {
				t.Skipf("%s: %v", c.image, err)
			}
			df := filepath.Join(t.TempDir(), "Dockerfile")
			if err := os.WriteFile(df, []byte(c.dockerfile), 0o644); err != nil {
				t.Fatal(err)
			}
			out, _ := runInspect(t, "--format", "json", "--checks-only", "--dockerfile", df, p)
			var doc struct {
				Findings []struct {
					Code, Severity string
					Line           int
					Bytes          int64
				} `json:"findings"`
			}
			if err := json.Unmarshal([]byte(out), &doc); err != nil {
				t.Fatalf("%v\n%s", err, out)
			}
			var got []string
			for _, f := range doc.Findings {
				if f.Severity != "info" {
					got = append(got, fmt.Sprintf("%s@%d", f.Code, f.Line))
				}
			}
			var want []string
			for _, w := range c.want {
				code, mib, _ := strings.Cut(strings.TrimSuffix(w, ")"), "(")
				want = append(want, code)
				for _, f := range doc.Findings {
					if fmt.Sprintf("%s@%d", f.Code, f.Line) == code && f.Bytes < atoi(mib)<<20 {
						t.Errorf("%s: %d bytes, want at least %s MiB", code, f.Bytes, mib)
					}
				}
			}
			if strings.Join(got, " ") != strings.Join(want, " ") {
				t.Errorf("findings above info:\n got: %v\nwant: %v", got, want)
			}
		})
	}
}

func atoi(s string) int64 {
	var n int64
	for _, r := range s {
		n = n*10 + int64(r-'0')
	}
	return n
}

// The good service image: no finding above info, exit 0.
func TestInspectGoodImage(t *testing.T) {
	testimages.Require(t, "buildah")
	b := testimages.BuildChecks(t, testimages.CheckGood)
	out, code := runInspect(t, "--format", "json", "--checks-only", b.DockerArchive)
	if code != 0 {
		t.Fatalf("exit %d for the good image:\n%s", code, out)
	}
	var doc struct {
		Findings []struct {
			Code, Severity string
		} `json:"findings"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatal(err)
	}
	for _, f := range doc.Findings {
		if f.Severity != "info" {
			t.Errorf("good image: %s is %s, want nothing above info", f.Code, f.Severity)
		}
	}
}
