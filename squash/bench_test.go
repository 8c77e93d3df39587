package squash_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/shipshape-dev/shipshape/squash"
)

// BenchmarkSquash squashes $SHIPSHAPE_BENCH_IMAGE (for example
// /tmp/bench-images/big.docker.tar) into an oci-archive; with
// -cpuprofile it shows where the time goes. bench/squash-throughput.sh
// compares the CLI with a pigz pipeline.
func BenchmarkSquash(b *testing.B) {
	in := os.Getenv("SHIPSHAPE_BENCH_IMAGE")
	if in == "" {
		b.Skip("set SHIPSHAPE_BENCH_IMAGE to an image archive")
	}
	opts := squash.Options{NoVerify: os.Getenv("SHIPSHAPE_BENCH_NOVERIFY") == "1"}
	for i := 0; i < b.N; i++ {
		out := "oci-archive:" + filepath.Join(b.TempDir(), "out.tar")
		res := run(b, in, out, opts)
		b.SetBytes(res.Input.TarBytes)
	}
}
