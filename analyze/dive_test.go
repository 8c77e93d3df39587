package analyze_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/shipshape-dev/shipshape/analyze"
	"github.com/shipshape-dev/shipshape/image"
	"github.com/shipshape-dev/shipshape/layers"
)

// diveWant is what dive reports for an image.
type diveWant struct {
	sizeBytes, wastedBytes int64
	efficiency             float64
	userWastedPercent      float64
	inefficient            int
}

// Expected values from dive built from wagoodman/dive main (d6c6919):
//
//	CI=true dive --source docker-archive FILE -j out.json
//
// (image.sizeBytes, image.inefficientBytes, image.efficiencyScore, and the
// length of image.fileReference; userWastedPercent from the CI summary).
var fixtureWant = map[string]diveWant{
	"test-docker-image.tar":           {1220598, 32025, 0.9844212134184309, 0.4835, 3},
	"test-kaniko-image.tar":           {1326410, 46245, 0.9793688490216431, 0.4885, 3},
	"test-oci-gzip-image.tar":         {11189, 0, 1, 0, 0},
	"test-oci-zstd-image.tar":         {11189, 0, 1, 0, 0},
	"test-oci-estargz-image.tar":      {11189, 0, 1, 0, 0},
	"test-oci-uncompressed-image.tar": {11189, 0, 1, 0, 0},
}

func fixtures(t testing.TB) string {
	dir := filepath.Join("..", "..", "shared", "fixtures", "dive")
	if _, err := os.Stat(dir); err != nil {
		if os.Getenv("SHIPSHAPE_REQUIRE_INTEGRATION") == "1" {
			t.Fatalf("fixtures missing: %v", err)
		}
		t.Skipf("fixtures not present (%v)", err)
	}
	return dir
}

func read(t testing.TB, ref string) *layers.Image {
	t.Helper()
	ctx := context.Background()
	src, err := image.Open(ctx, ref, image.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { src.Close() })
	im, err := layers.Read(ctx, src, layers.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return im
}

func checkDive(t *testing.T, got analyze.Dive, want diveWant) {
	t.Helper()
	if got.SizeBytes != want.sizeBytes || got.WastedBytes != want.wastedBytes || got.Efficiency != want.efficiency || len(got.InefficientFiles) != want.inefficient {
		t.Errorf("dive figures: size %d wasted %d efficiency %v inefficient %d; dive says %d %d %v %d",
			got.SizeBytes, got.WastedBytes, got.Efficiency, len(got.InefficientFiles),
			want.sizeBytes, want.wastedBytes, want.efficiency, want.inefficient)
	}
	if d := got.UserWastedPercent - want.userWastedPercent; d > 0.00005 || d < -0.00005 {
		t.Errorf("user wasted %.4f, dive says %.4f", got.UserWastedPercent, want.userWastedPercent)
	}
}

func TestDiveFiguresOnFixtures(t *testing.T) {
	dir := fixtures(t)
	for name, want := range fixtureWant {
		t.Run(name, func(t *testing.T) {
			r := analyze.Analyze(read(t, filepath.Join(dir, name)), nil)
			checkDive(t, r.Dive, want)
		})
	}
}

func TestDockerFixtureInefficientFiles(t *testing.T) {
	r := analyze.Analyze(read(t, filepath.Join(fixtures(t), "test-docker-image.tar")), nil)
	want := []analyze.DiveWasteFile{
		{Path: "/root/example/somefile1.txt", Count: 2, WastedBytes: 12810},
		{Path: "/root/saved.txt", Count: 2, WastedBytes: 12810},
		{Path: "/root/example/somefile3.txt", Count: 2, WastedBytes: 6405},
	}
	if len(r.Dive.InefficientFiles) != len(want) {
		t.Fatalf("inefficient files %+v", r.Dive.InefficientFiles)
	}
	for i := range want {
		if r.Dive.InefficientFiles[i] != want[i] {
			t.Errorf("inefficient[%d] = %+v, want %+v", i, r.Dive.InefficientFiles[i], want[i])
		}
	}
}

// The benchmark images from ../shared/tools/make-images.sh, when built, with
// dive's figures measured the same way (dive -j).
var benchWant = map[string]diveWant{
	"base.docker.tar":                {116659185, 0, 1, 0, 0},
	"good-python.docker.tar":         {162124935, 1986870, 0.9937234762808078, 0.0437, 23},
	"bad-python.docker.tar":          {766497209, 106124911, 0.9331492021603226, 0.16331, 44},
	"whiteouts-2000.docker.tar":      {116690075, 30890, 0.9997352816852676, 1.0, 2001},
	"whiteouts-dir-20000.docker.tar": {116988075, 0, 1, 0, 1},
}

func TestDiveFiguresOnBenchImages(t *testing.T) {
	dir := os.Getenv("SHIPSHAPE_BENCH_IMAGES")
	if dir == "" {
		t.Skip("SHIPSHAPE_BENCH_IMAGES not set (a directory written by ../shared/tools/make-images.sh)")
	}
	for name, want := range benchWant {
		p := filepath.Join(dir, name)
		if _, err := os.Stat(p); err != nil {
			continue
		}
		t.Run(name, func(t *testing.T) {
			r := analyze.Analyze(read(t, p), nil)
			checkDive(t, r.Dive, want)
		})
	}
}
