package report

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"testing"
	"time"
)

// sarifMultitool is Microsoft's reference SARIF validator: JSON schema plus
// the spec's semantic rules. Pinned so a new release cannot fail old commits.
const sarifMultitool = "@microsoft/sarif-multitool@5.7.0"

// needTool finds an external program for an integration test. Locally a
// missing tool skips the test; CI sets SHIPSHAPE_REQUIRE_INTEGRATION=1 so a
// broken image fails loudly instead of passing by skipping.
func needTool(t *testing.T, name string) string {
	t.Helper()
	required := os.Getenv("SHIPSHAPE_REQUIRE_INTEGRATION") == "1"
	p, err := exec.LookPath(name)
	switch {
	case err != nil && required:
		t.Fatalf("SHIPSHAPE_REQUIRE_INTEGRATION=1 but %s is missing: %v", name, err)
	case err != nil:
		t.Skipf("%s not on PATH: %v", name, err)
	case testing.Short() && !required:
		t.Skipf("-short: not running %s", name)
	}
	return p
}

// brokenSARIF breaks the schema (startLine 0) and the spec (a Windows path as
// URI); the validator must flag it, or it is not checking anything.
const brokenSARIF = `{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"x"}},"results":[{"ruleId":"X","message":{"text":"m"},"locations":[{"physicalLocation":{"artifactLocation":{"uri":"C:\\bad path"},"region":{"startLine":0}}}]}]}]}`

type multitoolLog struct {
	Runs []struct {
		Tool struct {
			Driver struct {
				Rules []struct {
					DefaultConfiguration struct{ Level string } `json:"defaultConfiguration"`
				}
			}
		}
		Results []struct {
			RuleID    string `json:"ruleId"`
			RuleIndex int    `json:"ruleIndex"`
			Level     string
			Message   struct {
				ID        string
				Arguments []string
			}
			Locations []struct {
				PhysicalLocation struct {
					ArtifactLocation struct{ URI string }
				}
			}
		}
	}
}

func TestSARIFMultitool(t *testing.T) {
	npx := needTool(t, "npx")
	dir := t.TempDir()
	inputs := map[string][]byte{
		"findings.sarif": render(t, "sarif", fixture(), Options{}),
		"empty.sarif":    render(t, "sarif", empty(), Options{}),
		"broken.sarif":   []byte(brokenSARIF),
		// build-context findings: no region, properties with bytes and line
		"context.sarif": render(t, "sarif", &contextFixture(t).Report, Options{}),
	}
	args := []string{"--yes", sarifMultitool, "validate"}
	for name, data := range inputs {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
		args = append(args, name)
	}
	out := filepath.Join(dir, "validation.sarif")
	args = append(args, "-o", out)

	// The first run downloads the tool into the npm cache ($HOME/.npm);
	// later runs take a few seconds.
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, npx, args...)
	cmd.Dir = dir
	console, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("running npx %v: %v\n%s", args, err, console)
	}
	// The exit status is 0 even when the files break the spec: the verdict
	// is in the log it writes.
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatalf("reading validator log: %v\n%s", err, console)
	}
	var log multitoolLog
	if err := json.Unmarshal(data, &log); err != nil || len(log.Runs) != 1 {
		t.Fatalf("decoding validator log (%d runs): %v", len(log.Runs), err)
	}
	run := log.Runs[0]
	errs := map[string]int{}
	for _, res := range run.Results {
		level := res.Level
		if level == "" && res.RuleIndex >= 0 && res.RuleIndex < len(run.Tool.Driver.Rules) {
			level = run.Tool.Driver.Rules[res.RuleIndex].DefaultConfiguration.Level
		}
		if level == "" {
			level = "warning" // SARIF's default level
		}
		file := "?"
		if len(res.Locations) > 0 {
			file = path.Base(res.Locations[0].PhysicalLocation.ArtifactLocation.URI)
		}
		if level == "error" {
			errs[file]++
		}
		if file != "broken.sarif" {
			report := t.Logf
			if level == "error" {
				report = t.Errorf
			}
			report("%s: %s %s %s %v", file, level, res.RuleID, res.Message.ID, res.Message.Arguments)
		}
	}
	if errs["broken.sarif"] == 0 {
		t.Errorf("validator found nothing wrong with a broken log; is it validating?\n%s", console)
	}
	if t.Failed() {
		t.Logf("validator output:\n%s", console)
	}
}
