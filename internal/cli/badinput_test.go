package cli_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/shipshape-dev/shipshape/internal/cli"
)

// Bad input gets a clear per-file message and never a panic; the other files of
// the run are still linted.
func TestBadInputs(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, data []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	var cont strings.Builder
	cont.WriteString("FROM debian:12.5\nRUN true")
	for i := 0; i < 5000; i++ {
		cont.WriteString(" \\\n  && echo line")
	}
	cont.WriteString("\n")
	big := bytes.Repeat([]byte("RUN echo 0123456789012345678901234567890123456789012345678901234567890123456789\n"), 10<<20/80)
	huge := bytes.Repeat([]byte("# comment line to pad the file beyond the size shipshape accepts\n"), 33<<20/64+1)
	fifo := filepath.Join(dir, "fifo.Dockerfile")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(dir, "gone"), filepath.Join(dir, "dangling.Dockerfile")); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		path string
		want string // in stdout or stderr
	}{
		{"empty", write("empty.Dockerfile", nil), "DF901"},
		{"binary", write("binary.Dockerfile", []byte("FROM x\n\x00\x01\x02\xff")), "binary content (a NUL byte at offset 7): not a Dockerfile"},
		{"invalid utf-8", write("utf8.Dockerfile", []byte("FROM debian:12.5\nRUN echo \xff\xfe\xfd\n")), "in 1 file"},
		{"10 MB", write("big.Dockerfile", append([]byte("FROM debian:12.5\n"), big...)), "in 1 file"},
		{"too large", write("huge.Dockerfile", huge), "larger than 32 MiB"},
		{"5000 continuation lines", write("cont.Dockerfile", []byte(cont.String())), "in 1 file"},
		{"unknown instruction", write("unknown.Dockerfile", []byte("FROM debian:12.5\nFETCH http://x\n")), "unknown instruction: FETCH"},
		{"fifo", fifo, "not a regular file"},
		{"dangling symlink", filepath.Join(dir, "dangling.Dockerfile"), "no such file or directory"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			code := cli.Run(context.Background(), []string{"lint", "--failure-threshold", "none", c.path}, nil, &out, &errb)
			all := out.String() + errb.String()
			if !strings.Contains(all, c.want) {
				t.Errorf("exit %d; want %q in:\n%.2000s", code, c.want, all)
			}
			if strings.Contains(all, "panic") || strings.Contains(all, "internal error") {
				t.Errorf("panic: %.2000s", all)
			}
		})
	}
	// A directory with a file that cannot be read still lints the rest.
	var out, errb bytes.Buffer
	code := cli.Run(context.Background(), []string{"lint", "--failure-threshold", "none", dir}, nil, &out, &errb)
	if code != cli.ExitError || !strings.Contains(errb.String(), "binary content") || !strings.Contains(out.String(), "unknown instruction") {
		t.Errorf("directory run: exit %d\nstdout %.1000s\nstderr %.1000s", code, out.String(), errb.String())
	}
}
