package shipshape_test

import (
	"bytes"
	"context"
	"flag"
	"os"
	"strings"
	"testing"

	"github.com/shipshape-dev/shipshape/internal/cli"
)

var update = flag.Bool("update", false, "rewrite the examples block of README.md")

const (
	beginMark = "<!-- lint-examples:begin -->\n"
	endMark   = "<!-- lint-examples:end -->\n"
)

// TestReadmeExamples: `shipshape lint examples/` gives exactly the findings the
// README documents.
func TestReadmeExamples(t *testing.T) {
	var out, errb bytes.Buffer
	code := cli.Run(context.Background(), []string{"lint", "--no-color", "examples"}, nil, &out, &errb)
	if errb.Len() > 0 {
		t.Fatalf("stderr: %s", errb.String())
	}
	if code != cli.ExitFindings {
		t.Errorf("exit %d, want 1: the bad examples must fail the lint", code)
	}
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	s := string(readme)
	i, j := strings.Index(s, beginMark), strings.Index(s, endMark)
	if i < 0 || j < i {
		t.Fatal("README.md lacks the lint-examples markers")
	}
	block := "```text\n$ shipshape lint examples/\n" + out.String() + "```\n"
	if s[i+len(beginMark):j] == block {
		return
	}
	if *update {
		s = s[:i+len(beginMark)] + block + s[j:]
		if err := os.WriteFile("README.md", []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	t.Errorf("README.md's examples block is stale; run `go test . -run TestReadmeExamples -update`. Output now:\n%s", out.String())
}

// TestOwnDockerfileIsClean: shipshape's own Dockerfile has no finding at all.
func TestOwnDockerfileIsClean(t *testing.T) {
	var out, errb bytes.Buffer
	code := cli.Run(context.Background(), []string{"lint", "--no-color", "--failure-threshold", "style", "Dockerfile"}, nil, &out, &errb)
	if code != cli.ExitOK || !strings.Contains(out.String(), "no findings") {
		t.Errorf("exit %d:\n%s%s", code, out.String(), errb.String())
	}
}
