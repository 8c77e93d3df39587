package rules

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/shipshape-dev/shipshape/lint"
)

// benchInputs are the Dockerfiles to lint: SHIPSHAPE_BENCH_CORPUS (a directory of
// real-world Dockerfiles, see bench/README.md) or, without it, the examples.
func benchInputs(b *testing.B) [][]byte {
	dir := os.Getenv("SHIPSHAPE_BENCH_CORPUS")
	var paths []string
	if dir != "" {
		_ = filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
			if err == nil && !d.IsDir() {
				paths = append(paths, p)
			}
			return nil
		})
	} else {
		paths, _ = filepath.Glob("../examples/*/Dockerfile")
	}
	var out [][]byte
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			b.Fatal(err)
		}
		out = append(out, data)
	}
	if len(out) == 0 {
		b.Skip("no Dockerfiles to lint")
	}
	return out
}

// BenchmarkLint lints one Dockerfile per iteration with every rule on, in
// parallel as `shipshape lint` does; files/s is the throughput.
func BenchmarkLint(b *testing.B) {
	inputs := benchInputs(b)
	all := All()
	cfg := &lint.Config{}
	var size int64
	for _, in := range inputs {
		size += int64(len(in))
	}
	b.SetBytes(size / int64(len(inputs)))
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			(&lint.Linter{Rules: all, Config: cfg}).Lint("Dockerfile", inputs[i%len(inputs)])
			i++
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "files/s")
}
