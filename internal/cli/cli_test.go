package cli_test

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/shipshape-dev/shipshape/internal/cli"
	"github.com/shipshape-dev/shipshape/internal/testimages"
)

var update = flag.Bool("update", false, "rewrite the golden files inside the test scripts")

func TestMain(m *testing.M) {
	testscript.Main(cleanImages{m}, map[string]func(){
		"shipshape": func() {
			os.Exit(cli.Run(context.Background(), os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
		},
		// shipshape-code runs shipshape and always succeeds, printing the exit
		// code on stderr, so that scripts can assert 1 and 2 apart.
		"shipshape-code": func() {
			code := cli.Run(context.Background(), os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
			fmt.Fprintf(os.Stderr, "[exit %d]\n", code)
			os.Exit(0)
		},
	})
}

// cleanImages removes the images internal/testimages built once the tests end.
type cleanImages struct{ m *testing.M }

func (c cleanImages) Run() int { return testimages.RunTests(c.m) }

// TestScripts runs the real binary against testdata/script/*.txtar: exit codes,
// every output format, config discovery and error messages.
func TestScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir:                 "testdata/script",
		UpdateScripts:       *update,
		RequireExplicitExec: true,
		Setup: func(e *testscript.Env) error {
			e.Setenv("NO_COLOR", "")
			return nil
		},
	})
}

// TestInspectScripts runs `shipshape inspect` against the image archives in
// ../shared/fixtures (FIXTURES in the scripts); they skip when it is absent.
func TestInspectScripts(t *testing.T) {
	dir, err := filepath.Abs(filepath.Join("..", "..", "..", "shared", "fixtures", "dive"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(dir); err != nil {
		if os.Getenv("SHIPSHAPE_REQUIRE_INTEGRATION") == "1" {
			t.Fatalf("fixtures missing: %v", err)
		}
		t.Skipf("fixtures not present: %v", err)
	}
	testscript.Run(t, testscript.Params{
		Dir:                 "testdata/inspect",
		UpdateScripts:       *update,
		RequireExplicitExec: true,
		Setup: func(e *testscript.Env) error {
			e.Setenv("NO_COLOR", "")
			e.Setenv("FIXTURES", dir)
			return nil
		},
	})
}
