// Command shipshape lints Dockerfiles and keeps container images small, fast to
// build and safe to run.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/shipshape-dev/shipshape/internal/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
