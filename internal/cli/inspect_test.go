package cli_test

import (
	"bytes"
	"context"
	"encoding/json"
	"testing"

	"github.com/shipshape-dev/shipshape/internal/cli"
	"github.com/shipshape-dev/shipshape/internal/testimages"
)

type inspectOut struct {
	Image struct {
		Source string `json:"source"`
	} `json:"image"`
	Layers []struct {
		DiffID string `json:"diffID"`
	} `json:"layers"`
	Dive struct {
		WastedBytes int64   `json:"wastedBytes"`
		Efficiency  float64 `json:"efficiency"`
	} `json:"diveCompatible"`
	Reclaimable int64 `json:"reclaimableBytes"`
}

func inspectJSON(t *testing.T, args ...string) inspectOut {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := cli.Run(context.Background(), append([]string{"inspect", "--format", "json", "--failure-threshold", "none"}, args...), nil, &stdout, &stderr)
	if code != 0 {
		t.Fatalf("shipshape inspect %v: exit %d: %s", args, code, stderr.String())
	}
	var out inspectOut
	if err := json.Unmarshal(stdout.Bytes(), &out); err != nil {
		t.Fatalf("inspect JSON: %v\n%s", err, stdout.String())
	}
	return out
}

// The same built image reached through every source gives the same report:
// an archive, a real registry on 127.0.0.1 and podman's Docker-API socket.
func TestInspectEverySource(t *testing.T) {
	testimages.Require(t, "buildah", "skopeo", "docker-registry", "podman")
	b := testimages.Build(t, testimages.Whiteouts)
	want := inspectJSON(t, b.DockerArchive)
	if want.Reclaimable == 0 || want.Dive.WastedBytes == 0 {
		t.Fatalf("the whiteouts image should carry dead bytes: %+v", want)
	}
	host := testimages.Registry(t)
	ref := b.Push(t, host)
	dockerHost := testimages.Daemon(t, b)
	for _, c := range []struct {
		source string
		args   []string
		env    string
	}{
		{"oci-archive", []string{"oci-archive:" + b.OCIArchive}, ""},
		{"oci", []string{"oci:" + b.OCIDir}, ""},
		{"docker", []string{"--insecure", "docker://" + ref}, ""},
		{"docker-daemon", []string{"docker-daemon:" + b.Tag}, dockerHost},
	} {
		t.Run(c.source, func(t *testing.T) {
			if c.env != "" {
				t.Setenv("DOCKER_HOST", c.env)
			}
			got := inspectJSON(t, c.args...)
			if got.Image.Source != c.source {
				t.Errorf("source %q, want %q", got.Image.Source, c.source)
			}
			if got.Dive != want.Dive || got.Reclaimable != want.Reclaimable || len(got.Layers) != len(want.Layers) {
				t.Errorf("report differs from the archive's: %+v vs %+v", got, want)
			}
			for i := range want.Layers {
				if i < len(got.Layers) && got.Layers[i].DiffID != want.Layers[i].DiffID {
					t.Errorf("layer %d diffID %s, want %s", i, got.Layers[i].DiffID, want.Layers[i].DiffID)
				}
			}
		})
	}
}
