package layers

import (
	"archive/tar"
	"bytes"
	"context"
	"sync/atomic"
	"testing"
)

// FuzzReadLayer feeds arbitrary bytes to the layer reader as two layers, then
// merges them and resolves every path: errors are fine, panics are not.
func FuzzReadLayer(f *testing.F) {
	var seed bytes.Buffer
	tw := tar.NewWriter(&seed)
	for _, h := range []*tar.Header{
		{Name: "a/", Typeflag: tar.TypeDir, Mode: 0o755},
		{Name: "a/f", Typeflag: tar.TypeReg, Size: 3, Mode: 0o644},
		{Name: "a/.wh.g", Typeflag: tar.TypeReg, Mode: 0o644},
		{Name: "a/.wh..wh..opq", Typeflag: tar.TypeReg, Mode: 0o644},
		{Name: "l", Typeflag: tar.TypeSymlink, Linkname: "a/../l"},
		{Name: "h", Typeflag: tar.TypeLink, Linkname: "a/f"},
	} {
		_ = tw.WriteHeader(h)
		if h.Size > 0 {
			_, _ = tw.Write([]byte("abc"))
		}
	}
	_ = tw.Close()
	f.Add(seed.Bytes(), seed.Bytes())
	f.Fuzz(func(t *testing.T, a, b []byte) {
		im := &Image{}
		var n atomic.Int64
		for i, data := range [][]byte{a, b} {
			l := &Layer{Index: i}
			if err := readLayer(context.Background(), l, bytes.NewReader(data), &n, &Options{MaxEntries: 10000}); err != nil {
				continue
			}
			im.Layers = append(im.Layers, l)
		}
		m := im.Merge()
		_ = m.Walk(func(p string, _ Ref) error {
			_, _ = m.Resolve(p)
			return nil
		})
		_ = im.BaseBoundary()
	})
}
