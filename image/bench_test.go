package image_test

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"

	"github.com/shipshape-dev/shipshape/image"
	"github.com/shipshape-dev/shipshape/internal/testimages"
)

// BenchmarkOpenAndStream opens an image and reads every layer's verified,
// uncompressed stream; bytes/s counts uncompressed bytes.
func BenchmarkOpenAndStream(b *testing.B) {
	run := func(b *testing.B, ref string) {
		ctx := context.Background()
		var total atomic.Int64
		for i := 0; i < b.N; i++ {
			img, err := image.Open(ctx, ref, image.Options{})
			if err != nil {
				b.Fatal(err)
			}
			total.Store(0)
			err = img.EachLayer(ctx, 2, func(_ *image.Layer, r io.Reader) error {
				n, err := io.Copy(io.Discard, r)
				total.Add(n)
				return err
			})
			img.Close()
			if err != nil {
				b.Fatal(err)
			}
		}
		b.SetBytes(total.Load())
	}
	b.Run("fixtures", func(b *testing.B) {
		dir := fixtures(b)
		b.Run("docker-save", func(b *testing.B) { run(b, filepath.Join(dir, "test-docker-image.tar")) })
		b.Run("kaniko-gzip", func(b *testing.B) { run(b, filepath.Join(dir, "test-kaniko-image.tar")) })
	})
	b.Run("built", func(b *testing.B) {
		img := testimages.Build(b, testimages.Overwrites)
		b.Run("docker-archive", func(b *testing.B) { run(b, img.DockerArchive) })
		b.Run("oci-gzip", func(b *testing.B) { run(b, img.OCIArchive) })
		b.Run("oci-zstd", func(b *testing.B) { run(b, img.ZstdArchive) })
	})
	// The gzip OCI archives of ../shared/tools/make-images.sh, when built:
	// SHIPSHAPE_BENCH_IMAGES=DIR.
	if dir := os.Getenv("SHIPSHAPE_BENCH_IMAGES"); dir != "" {
		for _, name := range []string{"base.oci.tar", "bad-python.oci.tar"} {
			b.Run(name, func(b *testing.B) { run(b, filepath.Join(dir, name)) })
		}
	}
}
