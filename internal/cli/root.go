package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"runtime/debug"

	"github.com/spf13/cobra"
)

// Exit codes.
const (
	ExitOK       = 0 // nothing at or above the failure threshold
	ExitFindings = 1 // findings at or above the failure threshold
	ExitError    = 2 // usage or I/O error
)

// version is set with -ldflags "-X github.com/shipshape-dev/shipshape/internal/cli.version=v1.2.3".
var version = ""

// Version returns the version of this binary.
func Version() string {
	if version != "" {
		return version
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "0.1.0-dev"
}

// exitError carries an exit code through cobra without printing twice.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string {
	if e.err == nil {
		return fmt.Sprintf("exit %d", e.code)
	}
	return e.err.Error()
}

type env struct {
	stdin          io.Reader
	stdout, stderr io.Writer
}

// Run executes the command line args and returns the process exit code.
func Run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	e := &env{stdin: stdin, stdout: stdout, stderr: stderr}
	root := &cobra.Command{
		Use:   "shipshape",
		Short: "Keep container images shipshape: lint Dockerfiles, measure, fix",
		Long: "shipshape lints Dockerfiles with BuildKit's own parser and exact positions,\n" +
			"says why each finding matters and what to do instead, and fixes what it can.",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetArgs(args)
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.AddCommand(newLintCmd(e), newRulesCmd(e), newVersionCmd(e), newContextCmd(e), newInspectCmd(e), newSquashCmd(e))
	err := root.ExecuteContext(ctx)
	if err == nil {
		return ExitOK
	}
	var ee *exitError
	if errors.As(err, &ee) {
		if ee.err != nil {
			fmt.Fprintln(stderr, "shipshape:", ee.err)
		}
		return ee.code
	}
	fmt.Fprintln(stderr, "shipshape:", err)
	return ExitError
}

func newVersionCmd(e *env) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version of shipshape",
		Args:  cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			fmt.Fprintln(e.stdout, "shipshape", Version())
			return nil
		},
	}
}
