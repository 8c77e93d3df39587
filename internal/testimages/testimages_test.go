package testimages

import (
	"archive/tar"
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"testing"

	"github.com/shipshape-dev/shipshape/image"
)

func TestMain(m *testing.M) { os.Exit(RunTests(m)) }

// layerEntries lists each layer's tar entries as "TYPE path[ -> link]".
func layerEntries(t *testing.T, ref string) [][]string {
	t.Helper()
	img, err := image.Open(context.Background(), ref, image.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer img.Close()
	out := make([][]string, len(img.Layers))
	for _, l := range img.Layers {
		rc, err := l.Open(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		tr := tar.NewReader(rc)
		for {
			h, err := tr.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatalf("%s layer %d: %v", ref, l.Index, err)
			}
			e := fmt.Sprintf("%c %s", h.Typeflag, strings.TrimSuffix(h.Name, "/"))
			if h.Linkname != "" {
				e += " -> " + h.Linkname
			}
			out[l.Index] = append(out[l.Index], e)
		}
		if _, err := io.Copy(io.Discard, rc); err != nil {
			t.Fatal(err)
		}
		rc.Close()
	}
	return out
}

func has(entries []string, want string) bool {
	for _, e := range entries {
		if e == want {
			return true
		}
	}
	return false
}

// TestImagesHoldTheirCase pins down what buildah emits for each named image,
// so tests built on them know what they exercise.
func TestImagesHoldTheirCase(t *testing.T) {
	cases := []struct {
		spec Spec
		want map[int][]string // layer index → entries it must hold (0 busybox, 1 applet links)
	}{
		{Whiteouts, map[int][]string{
			2: {"0 app/cache/a/deep/blob2", "0 data/gone"},
			3: {"0 app/.wh.cache", "0 data/.wh.gone"},
		}},
		{Overwrites, map[int][]string{
			3: {"0 etc/app/conf"},
			4: {"0 etc/app/same"},
			5: {"0 etc/app/mode"},
		}},
		{HardLinks, map[int][]string{
			2: {"0 data/big", "1 data/big-link -> data/big"},
			3: {"1 data/small-link -> data/small"},
		}},
		{TypeChanges, map[int][]string{
			2: {"5 x", "5 x/sub", "0 y", "2 z -> /y"},
			3: {"0 x", "2 y -> /x", "5 z", "0 z/f"},
		}},
		{Opaque, map[int][]string{
			3: {"0 d/.wh..wh..opq", "0 d/c"},
		}},
		{Secret, map[int][]string{
			2: {"0 root/.ssh/id_ed25519"},
			4: {"0 root/.ssh/.wh.id_ed25519"},
		}},
		{DiveTest, map[int][]string{
			3:  {"0 somefile.txt"},
			11: {"0 root/.wh.example"},
		}},
	}
	for _, c := range cases {
		t.Run(c.spec.Name, func(t *testing.T) {
			b := Build(t, c.spec)
			for _, p := range []string{b.DockerArchive, b.OCIArchive, b.OCIDir + "/index.json", b.ZstdArchive} {
				if _, err := os.Stat(p); err != nil {
					t.Error(err)
				}
			}
			layers := layerEntries(t, b.DockerArchive)
			for i, want := range c.want {
				if i >= len(layers) {
					t.Errorf("layer %d: image has %d layers", i, len(layers))
					continue
				}
				for _, w := range want {
					if !has(layers[i], w) {
						t.Errorf("layer %d lacks %q; it holds:\n%s", i, w, strings.Join(layers[i], "\n"))
					}
				}
			}
		})
	}
}
