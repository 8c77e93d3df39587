package cli

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/shipshape-dev/shipshape/buildctx"
	"github.com/shipshape-dev/shipshape/dockerfile"
	"github.com/shipshape-dev/shipshape/lint"
	"github.com/shipshape-dev/shipshape/report"
	"github.com/shipshape-dev/shipshape/rules"
)

type contextFlags struct {
	dockerfile, format, threshold, config string
	write, noColor                        bool
}

func newContextCmd(e *env) *cobra.Command {
	var fl contextFlags
	cmd := &cobra.Command{
		Use:   "context [DIR]",
		Short: "Show what docker build sends as the build context, and what should not be there",
		Long: "Measure the build context as docker build sends it (.dockerignore, or <Dockerfile>.dockerignore,\n" +
			"applied with Docker's own matcher; files are only stat'ed, except the few secret candidates),\n" +
			"and check it: VCS and dependency directories, large data files, logs, editor files and\n" +
			"credentials that are sent. Each finding gives the .dockerignore line to add and the bytes it saves;\n" +
			"the text output shows the change as a diff, and --write-dockerignore appends the lines.\n\n" +
			"Exit status: 0 when nothing is at or above the failure threshold, 1 when something is,\n" +
			"2 on a usage or I/O error.",
		Example: "  shipshape context\n  shipshape context -f build/Dockerfile.prod .\n" +
			"  shipshape context --write-dockerignore app\n  shipshape context --format json | jq .sentBytes",
		Args: cobra.MaximumNArgs(1),
		RunE: func(_ *cobra.Command, args []string) error {
			dir := "."
			if len(args) == 1 {
				dir = args[0]
			}
			return runContext(e, fl, dir)
		},
	}
	f := cmd.Flags()
	f.StringVarP(&fl.dockerfile, "file", "f", "", "the Dockerfile, relative to the current directory as for docker build; selects <Dockerfile>.dockerignore (default DIR/Dockerfile)")
	f.StringVar(&fl.format, "format", "text", "output format: "+strings.Join(report.Formats(), ", "))
	f.StringVar(&fl.threshold, "failure-threshold", "", "exit 1 when a finding is at least this severe: error, warning, info, style, none (default warning, or the config's)")
	f.StringVarP(&fl.config, "config", "c", "", "configuration file (default: .shipshape.yaml or .hadolint.yaml in DIR or up to the repository root)")
	f.BoolVar(&fl.write, "write-dockerignore", false, "append the suggested lines to the ignore file in use (or create .dockerignore), then measure again")
	f.BoolVar(&fl.noColor, "no-color", false, "never colour the text output (NO_COLOR is honoured too)")
	return cmd
}

func runContext(e *env, fl contextFlags, dir string) error {
	if !slices.Contains(report.Formats(), fl.format) {
		return usageErr("unknown format %q: want one of %s", fl.format, strings.Join(report.Formats(), ", "))
	}
	all := rules.All()
	cfg, err := contextConfig(fl.config, dir, all)
	if err != nil {
		return usageErr("%w", err)
	}
	threshold := lint.Warning
	switch {
	case fl.threshold != "":
		if threshold, err = lint.ParseSeverity(fl.threshold); err != nil {
			return usageErr("%w", err)
		}
	case cfg.FailureThreshold != nil:
		threshold = *cfg.FailureThreshold
	}
	if fl.dockerfile, err = dockerfileInContext(dir, fl.dockerfile); err != nil {
		return &exitError{code: ExitError, err: err}
	}
	c, err := buildctx.Load(dir, fl.dockerfile)
	if err != nil {
		return &exitError{code: ExitError, err: err}
	}
	linter := &lint.Linter{Rules: all, Config: cfg}
	res := linter.LintContext(c)
	edit, err := c.PlanIgnoreEdit(suggestions(res.Findings))
	if err != nil {
		return &exitError{code: ExitError, err: err}
	}
	written := false
	if fl.write && len(edit.Lines) > 0 {
		if err := edit.Apply(); err != nil {
			return &exitError{code: ExitError, err: err}
		}
		written = true
		fmt.Fprintf(e.stderr, "shipshape: appended %d line(s) to %s\n", len(edit.Lines), filepath.Join(dir, edit.File))
		if c, err = buildctx.Load(dir, fl.dockerfile); err != nil {
			return &exitError{code: ExitError, err: err}
		}
		res = linter.LintContext(c)
	}
	// Findings name paths as the user reaches them, like lint's file names.
	for i := range res.Findings {
		res.Findings[i].File = filepath.ToSlash(filepath.Join(dir, res.Findings[i].File))
	}
	rep := &report.ContextReport{
		Report:  report.Report{Tool: "shipshape", Version: Version(), Findings: res.Findings, Rules: all, Files: 1},
		Context: c, Name: filepath.ToSlash(dir), Largest: c.Largest(10), Edit: edit, Written: written,
	}
	rep.Dockerfile, rep.Cache = cacheMap(c, dir, fl.dockerfile)
	color := !fl.noColor && os.Getenv("NO_COLOR") == "" && isTerminal(e.stdout)
	if err := report.WriteContext(e.stdout, fl.format, rep, report.Options{Color: color}); err != nil {
		return &exitError{code: ExitError, err: err}
	}
	for _, f := range res.Findings {
		if threshold != lint.None && f.Severity.AtLeast(threshold) {
			return &exitError{code: ExitFindings}
		}
	}
	return nil
}

// contextConfig is the explicit configuration, or the one found from the
// context directory up to the repository root, or the defaults.
func contextConfig(explicit, dir string, all []*lint.Rule) (*lint.Config, error) {
	p := explicit
	if p == "" {
		var err error
		if p, err = lint.FindConfig(dir); err != nil || p == "" {
			return &lint.Config{}, err
		}
	}
	cfg, err := lint.LoadConfig(p)
	if err != nil {
		return nil, err
	}
	return cfg, cfg.Validate(all)
}

// suggestions are the findings' .dockerignore lines, in the findings' order.
func suggestions(fs []lint.Finding) []string {
	var out []string
	for _, f := range fs {
		if f.Suggestion != "" {
			out = append(out, f.Suggestion)
		}
	}
	return out
}

// cacheMap parses the context's Dockerfile, when it has one that parses, and
// maps each step that reads the context to the steps a change there rebuilds.
func cacheMap(c *buildctx.Context, dir, name string) (string, []buildctx.Invalidation) {
	if name == "" {
		name = "Dockerfile"
	}
	p := filepath.Join(dir, name)
	src, err := os.ReadFile(p)
	if err != nil {
		return "", nil
	}
	f, _, err := dockerfile.Parse(p, src)
	if err != nil {
		return "", nil
	}
	return filepath.ToSlash(p), buildctx.Invalidations(buildctx.NewResolver(c), lint.BuildStages(f))
}

// dockerfileInContext turns -f, which docker build resolves from the current
// directory, into the path relative to the context that buildctx expects.
func dockerfileInContext(dir, name string) (string, error) {
	if name == "" {
		return "", nil
	}
	if _, err := os.Stat(name); err != nil {
		hint := ""
		if _, err2 := os.Stat(filepath.Join(dir, name)); err2 == nil {
			hint = fmt.Sprintf(" (-f is relative to the current directory, as for docker build: did you mean -f %s?)", filepath.Join(dir, name))
		}
		return "", fmt.Errorf("Dockerfile %s: %w%s", name, errors.Unwrap(err), hint)
	}
	absDir, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	abs, err := filepath.Abs(name)
	if err != nil {
		return "", err
	}
	rel, err := filepath.Rel(absDir, abs)
	if err != nil {
		return "", err
	}
	return filepath.ToSlash(rel), nil
}
