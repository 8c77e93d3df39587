package shipshape_test

import (
	"os/exec"
	"strings"
	"testing"
)

// TestDependencyRules enforces the import graph of docs/architecture.md: library
// packages never import cobra and never print; only report knows formats.
func TestDependencyRules(t *testing.T) {
	allowed := map[string][]string{
		"dockerfile": {},
		"buildctx":   {},
		"shell":      {},
		"lint":       {"dockerfile", "shell", "buildctx", "analyze", "layers", "image"}, // image checks see analyze's types
		"rules":      {"lint", "dockerfile", "shell", "buildctx", "analyze", "layers", "image"},
		"report":     {"lint", "dockerfile", "shell", "buildctx", "analyze", "layers", "image"}, // through lint and analyze
		"image":      {},
		"layers":     {"image"},
		"analyze":    {"layers", "image", "dockerfile"},
		"squash":     {"image", "layers"},

		"internal/gunzip": {},
	}
	// Leaves any package may reach through image.
	leaves := []string{"internal/gunzip"}
	const mod = "github.com/shipshape-dev/shipshape/"
	for pkg, may := range allowed {
		out, err := exec.Command("go", "list", "-deps", "./"+pkg).Output()
		if err != nil {
			t.Fatalf("go list %s: %v", pkg, err)
		}
		for _, dep := range strings.Fields(string(out)) {
			if strings.Contains(dep, "spf13/cobra") {
				t.Errorf("%s imports cobra", pkg)
			}
			if !strings.HasPrefix(dep, mod) {
				continue
			}
			name := strings.TrimPrefix(dep, mod)
			if name == pkg {
				continue
			}
			ok := false
			for _, m := range append(may, leaves...) {
				if name == m {
					ok = true
				}
			}
			if !ok {
				t.Errorf("%s must not import %s", pkg, name)
			}
		}
	}
}

// TestLibrariesDoNotPrint: library code returns values; only the CLI writes.
func TestLibrariesDoNotPrint(t *testing.T) {
	out, _ := exec.Command("sh", "-c", `grep -rnE 'fmt\.Print|os\.Stdout|os\.Stderr|os\.Exit|log\.Print' --include='*.go' dockerfile shell lint rules report buildctx image layers analyze squash internal/gunzip | grep -v _test.go`).Output()
	if len(out) > 0 {
		t.Errorf("library packages print or exit:\n%s", out)
	}
}
