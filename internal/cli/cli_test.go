package cli_test

import (
	"context"
	"flag"
	"os"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/shipshape-dev/shipshape/internal/cli"
)

var update = flag.Bool("update", false, "rewrite the golden files inside the test scripts")

func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"shipshape": func() {
			os.Exit(cli.Run(context.Background(), os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
		},
	})
}

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
