package cli

import (
	"encoding/json"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/shipshape-dev/shipshape/buildctx"
)

// contextSchemaVersion changes only when a field of the JSON output changes meaning.
const contextSchemaVersion = 1

func newContextCmd(e *env) *cobra.Command {
	var dockerfile, format string
	cmd := &cobra.Command{
		Use:   "context [DIR]",
		Short: "Show what docker build sends as the build context",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(_ *cobra.Command, args []string) error {
			dir := "."
			if len(args) == 1 {
				dir = args[0]
			}
			if format != "text" && format != "json" {
				return usageErr("unknown format %q (want text or json)", format)
			}
			c, err := buildctx.Load(dir, dockerfile)
			if err != nil {
				return &exitError{code: ExitError, err: err}
			}
			if format == "json" {
				return writeContextJSON(e.stdout, c)
			}
			return writeContextText(e.stdout, c)
		},
	}
	cmd.Flags().StringVarP(&dockerfile, "file", "f", "", "Dockerfile, relative to DIR; selects <Dockerfile>.dockerignore (default \"Dockerfile\")")
	cmd.Flags().StringVar(&format, "format", "text", "output format: text or json")
	return cmd
}

func writeContextText(w io.Writer, c *buildctx.Context) error {
	ignore := c.IgnoreFile
	if ignore == "" {
		ignore = "none"
	}
	fmt.Fprintf(w, "ignore file: %s\n", ignore)
	fmt.Fprintf(w, "sent:    %d files, %s\n", c.SentFiles, humanBytes(c.SentBytes))
	fmt.Fprintf(w, "ignored: %d files, %s (+%d directories not entered)\n", c.IgnoredFiles, humanBytes(c.IgnoredBytes), len(c.Pruned))
	fmt.Fprintln(w, "largest:")
	for _, en := range c.Largest(10) {
		fmt.Fprintf(w, "  %10s  %s\n", humanBytes(en.Bytes), en.Path)
	}
	for _, p := range c.Problems {
		fmt.Fprintf(w, "problem: %s: %s\n", p.Path, p.Reason)
	}
	return nil
}

type contextJSON struct {
	SchemaVersion int                `json:"schemaVersion"`
	IgnoreFile    string             `json:"ignoreFile"`
	SentFiles     int                `json:"sentFiles"`
	SentBytes     int64              `json:"sentBytes"`
	IgnoredFiles  int                `json:"ignoredFiles"`
	IgnoredBytes  int64              `json:"ignoredBytes"`
	Pruned        []string           `json:"pruned"`
	Largest       []buildctx.Entry   `json:"largest"`
	Problems      []buildctx.Problem `json:"problems"`
	Findings      []struct{}         `json:"findings"`
}

func writeContextJSON(w io.Writer, c *buildctx.Context) error {
	out := contextJSON{
		SchemaVersion: contextSchemaVersion,
		IgnoreFile:    c.IgnoreFile,
		SentFiles:     c.SentFiles, SentBytes: c.SentBytes,
		IgnoredFiles: c.IgnoredFiles, IgnoredBytes: c.IgnoredBytes,
		// empty arrays, not null, so consumers can iterate without checks
		Pruned: append([]string{}, c.Pruned...), Largest: append([]buildctx.Entry{}, c.Largest(10)...),
		Problems: append([]buildctx.Problem{}, c.Problems...), Findings: []struct{}{},
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}

// humanBytes keeps exact byte counts for small sizes so goldens stay readable.
func humanBytes(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}
