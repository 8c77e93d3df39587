package analyze_test

import (
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/shipshape-dev/shipshape/analyze"
	"github.com/shipshape-dev/shipshape/internal/testimages"
)

func TestMain(m *testing.M) { os.Exit(testimages.RunTests(m)) }

// dive's figures for the images internal/testimages builds with buildah,
// measured on their docker-archive export with dive built from wagoodman/dive
// main (d6c6919):
//
//	SHIPSHAPE_TESTIMAGES_CACHE=/tmp/ti go test ./analyze -run TestBuiltImages
//	CI=true dive --source docker-archive /tmp/ti/NAME-*/docker.tar -j out.json
//
// (builds use --timestamp 0, so sizes are stable from run to run).
var builtDive = map[string]diveWant{
	"whiteouts":   {2048046, 1892, 0.9991041407919452, 0.02875816993464052, 1},
	"overwrites":  {2030614, 48358, 0.9856304546309639, 1.0, 3},
	"hardlinks":   {2062548, 0, 1, 0, 0},
	"typechanges": {1984186, 692, 0.9996512423734468, 0.35854922279792745, 1},
	"opaque":      {1988442, 0, 1, 0, 1},
	"secret":      {1982680, 416, 0.9997901829846471, 0.9811320754716981, 1},
	"divetest":    {2046347, 32025, 0.9906685114345336, 0.4996801422976705, 3},
}

// seqBytes is the length of `seq 1 n` output.
func seqBytes(n int) int64 {
	var total int64
	for i := 1; i <= n; i++ {
		total += int64(len(strconv.Itoa(i))) + 1
	}
	return total
}

// The correct figures: what each image carries that its final filesystem does not.
var builtReclaimable = map[string]int64{
	"whiteouts":   20000 + 30000 + seqBytes(3000) + seqBytes(500), // the deleted tree and /data/gone
	"typechanges": seqBytes(300) + seqBytes(200),                  // /x/sub/f under the dir that became a file, /y
	"opaque":      seqBytes(700) + seqBytes(900),                  // hidden by the opaque /d
	"hardlinks":   0,                                              // links share content, nothing dies
	"divetest":    5 * 6405,
}

func TestBuiltImages(t *testing.T) {
	testimages.Require(t, "buildah")
	for _, spec := range testimages.All {
		t.Run(spec.Name, func(t *testing.T) {
			b := testimages.Build(t, spec)
			for _, ref := range []string{b.DockerArchive, "oci-archive:" + b.OCIArchive, "oci-archive:" + b.ZstdArchive} {
				r := analyze.Analyze(read(t, ref), nil)
				checkDive(t, r.Dive, builtDive[spec.Name])
				if want, ok := builtReclaimable[spec.Name]; ok && r.Waste.ReclaimableBytes != want {
					t.Errorf("%s: reclaimable %d, want %d; dead paths %+v", ref, r.Waste.ReclaimableBytes, want, r.Waste.DeadPaths)
				}
			}
		})
	}
}

// Every dead path names the layer and command that added it and the one that
// removed it.
func TestBuiltImagesAttribution(t *testing.T) {
	testimages.Require(t, "buildah")
	r := analyze.Analyze(read(t, testimages.Build(t, testimages.Whiteouts).DockerArchive), nil)
	if len(r.Waste.DeadPaths) != 2 {
		t.Fatalf("dead paths %+v, want the deleted tree and the deleted file", r.Waste.DeadPaths)
	}
	tree := r.Waste.DeadPaths[0]
	if tree.Path != "/app/cache/" || tree.Files != 3 || tree.How != "deleted" || tree.Bytes != 50000+seqBytes(3000) {
		t.Errorf("deleted tree: %+v", tree)
	}
	if !strings.Contains(tree.AddedBy.CreatedBy, "mkdir -p /app/cache/a/deep") || !strings.Contains(tree.RemovedBy.CreatedBy, "rm -rf /app/cache") {
		t.Errorf("attribution: added by %q, removed by %q", tree.AddedBy.CreatedBy, tree.RemovedBy.CreatedBy)
	}
	if tree.AddedBy.Layer != 2 || tree.RemovedBy.Layer != 3 {
		t.Errorf("layers: added %d removed %d, want 2 and 3", tree.AddedBy.Layer, tree.RemovedBy.Layer)
	}
	if r.Base.Layers != 0 {
		t.Errorf("a FROM scratch image has no base, got %d layers (%s)", r.Base.Layers, r.Base.Method)
	}

	// A secret added then deleted is dead in two layers: the COPY and the chmod.
	s := analyze.Analyze(read(t, testimages.Build(t, testimages.Secret).DockerArchive), nil)
	var hows []string
	for _, d := range s.Waste.DeadPaths {
		if d.Path == "/root/.ssh/id_ed25519" {
			hows = append(hows, d.How)
		}
	}
	if strings.Join(hows, ",") != "overwritten,deleted" && strings.Join(hows, ",") != "deleted,overwritten" {
		t.Errorf("secret fates %v, want overwritten (chmod) and deleted (rm)", hows)
	}
	if s.Merged.Exists("/root/.ssh/id_ed25519") {
		t.Error("the deleted key is in the final filesystem")
	}
}
