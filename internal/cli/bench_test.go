package cli_test

import (
	"context"
	"io"
	"os"
	"testing"

	"github.com/shipshape-dev/shipshape/internal/cli"
)

// BenchmarkLintCommand runs `shipshape lint --format json DIR` in process over
// SHIPSHAPE_BENCH_CORPUS: file discovery, reading, linting and the report.
func BenchmarkLintCommand(b *testing.B) {
	dir := os.Getenv("SHIPSHAPE_BENCH_CORPUS")
	if dir == "" {
		b.Skip("SHIPSHAPE_BENCH_CORPUS is not set")
	}
	for i := 0; i < b.N; i++ {
		cli.Run(context.Background(), []string{"lint", "--failure-threshold", "none", "--format", "json", dir}, nil, io.Discard, io.Discard)
	}
}
