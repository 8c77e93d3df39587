package cli

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/shipshape-dev/shipshape/lint"
	"github.com/shipshape-dev/shipshape/report"
	"github.com/shipshape-dev/shipshape/rules"
)

type lintFlags struct {
	format    string
	threshold string
	noColor   bool
	output    string
	config    string
	fix       bool
}

func newLintCmd(e *env) *cobra.Command {
	var fl lintFlags
	cmd := &cobra.Command{
		Use:   "lint [PATH|-]...",
		Short: "Lint Dockerfiles: files, directories (searched recursively) or - for stdin",
		Long: "Lint Dockerfiles. Directories are searched for Dockerfile, Dockerfile.*, *.Dockerfile,\n" +
			"*.dockerfile and Containerfile*, skipping .git, vendor and node_modules.\n\n" +
			"Exit status: 0 when nothing is at or above the failure threshold, 1 when something is,\n" +
			"2 on a usage or I/O error.",
		Example: "  shipshape lint .\n  shipshape lint --format sarif -o shipshape.sarif Dockerfile\n  cat Dockerfile | shipshape lint -",
		RunE: func(cmd *cobra.Command, args []string) error {
			return runLint(e, fl, args)
		},
	}
	f := cmd.Flags()
	f.StringVarP(&fl.format, "format", "f", "text", "output format: "+strings.Join(report.Formats(), ", "))
	f.StringVar(&fl.threshold, "failure-threshold", "", "exit 1 when a finding is at least this severe: error, warning, info, style, none (default warning, or the config's)")
	f.BoolVar(&fl.noColor, "no-color", false, "never colour the text output (NO_COLOR is honoured too)")
	f.StringVarP(&fl.output, "output", "o", "", "write the report to this file instead of stdout")
	f.StringVarP(&fl.config, "config", "c", "", "configuration file (default: .shipshape.yaml or .hadolint.yaml next to each Dockerfile or up to the repository root)")
	f.BoolVar(&fl.fix, "fix", false, "rewrite the Dockerfiles in place with the fixes shipshape knows, then report what is left")
	return cmd
}

func usageErr(format string, args ...any) error {
	return &exitError{code: ExitError, err: fmt.Errorf(format, args...)}
}

func runLint(e *env, fl lintFlags, args []string) error {
	var explicit *lint.Config
	if fl.config != "" {
		c, err := lint.LoadConfig(fl.config)
		if err != nil {
			return usageErr("%w", err)
		}
		if err := c.Validate(rules.All()); err != nil {
			return usageErr("%w", err)
		}
		explicit = c
	}
	if len(args) == 0 {
		args = []string{"."}
	}
	all := rules.All()
	inputs := collect(args, e.stdin)
	configs := newConfigCache(explicit, all)

	results := make([]lint.Result, len(inputs))
	failed := false
	// Lint in parallel: files are independent and rules are pure.
	var wg sync.WaitGroup
	work := make(chan int)
	for w := 0; w < runtime.GOMAXPROCS(0); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range work {
				if inputs[i].unread {
					inputs[i] = readInput(inputs[i].name)
				}
				in := inputs[i]
				if in.err != nil {
					continue
				}
				cfg, err := configs.forFile(in.name)
				if err != nil {
					inputs[i].err = err
					continue
				}
				results[i] = (&lint.Linter{Rules: all, Config: cfg}).Lint(in.name, in.src)
			}
		}()
	}
	for i := range inputs {
		work <- i
	}
	close(work)
	wg.Wait()

	rep := &report.Report{Tool: "shipshape", Version: Version(), Rules: all, Sources: map[string][]string{}}
	for i, in := range inputs {
		if in.err != nil {
			fmt.Fprintln(e.stderr, "shipshape:", in.err)
			failed = true
			continue
		}
		rep.Files++
		res := results[i]
		if fl.fix && in.name != "<stdin>" && res.File != nil {
			var err error
			if res, err = fixFile(in, res, configs, all, e.stderr); err != nil {
				fmt.Fprintln(e.stderr, "shipshape:", err)
				failed = true
			}
		}
		rep.Findings = append(rep.Findings, res.Findings...)
		// Only the text format shows code frames; keep no sources otherwise.
		if fl.format != "text" || len(res.Findings) == 0 {
			continue
		}
		if res.File != nil {
			rep.Sources[in.name] = res.File.Lines
		} else {
			rep.Sources[in.name] = strings.Split(string(in.src), "\n")
		}
	}
	lint.SortFindings(rep.Findings)

	threshold, err := thresholdFor(fl.threshold, configs)
	if err != nil {
		return usageErr("%w", err)
	}
	if err := writeReport(e, fl, rep); err != nil {
		return &exitError{code: ExitError, err: err}
	}
	if failed {
		return &exitError{code: ExitError}
	}
	for _, f := range rep.Findings {
		if threshold != lint.None && f.Severity.AtLeast(threshold) {
			return &exitError{code: ExitFindings}
		}
	}
	return nil
}

func thresholdFor(flag string, configs *configCache) (lint.Severity, error) {
	if flag != "" {
		return lint.ParseSeverity(flag)
	}
	if t := configs.threshold(); t != nil {
		return *t, nil
	}
	return lint.Warning, nil
}

func writeReport(e *env, fl lintFlags, rep *report.Report) error {
	var w io.Writer = e.stdout
	color := !fl.noColor && os.Getenv("NO_COLOR") == "" && isTerminal(e.stdout)
	var buf bytes.Buffer
	if fl.output != "" {
		w, color = &buf, false
	}
	if err := report.Write(w, fl.format, rep, report.Options{Color: color}); err != nil {
		return err
	}
	if fl.output != "" {
		if err := os.WriteFile(fl.output, buf.Bytes(), 0o644); err != nil {
			return fmt.Errorf("writing report: %w", err)
		}
	}
	return nil
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// fixFile applies the fixes, writes the file back and lints it again.
func fixFile(in input, res lint.Result, configs *configCache, all []*lint.Rule, stderr io.Writer) (lint.Result, error) {
	src := in.src
	total := 0
	for round := 0; round < 5; round++ {
		fixed, n := lint.ApplyFixes(src, res.Findings)
		if n == 0 {
			break
		}
		total += n
		src = fixed
		cfg, _ := configs.forFile(in.name)
		res = (&lint.Linter{Rules: all, Config: cfg}).Lint(in.name, src)
	}
	if total == 0 {
		return res, nil
	}
	st, err := os.Stat(in.name)
	if err != nil {
		return res, fmt.Errorf("fixing %q: %w", in.name, err)
	}
	if err := os.WriteFile(in.name, src, st.Mode().Perm()); err != nil {
		return res, fmt.Errorf("fixing %q: %w", in.name, err)
	}
	fmt.Fprintf(stderr, "shipshape: fixed %d finding(s) in %s\n", total, in.name)
	return res, nil
}

// configCache finds and loads each directory's configuration once.
type configCache struct {
	mu       sync.Mutex
	explicit *lint.Config
	rules    []*lint.Rule
	byPath   map[string]*lint.Config
	byDir    map[string]string
	first    *lint.Config
}

func newConfigCache(explicit *lint.Config, rules []*lint.Rule) *configCache {
	return &configCache{explicit: explicit, rules: rules, byPath: map[string]*lint.Config{}, byDir: map[string]string{}}
}

func (c *configCache) forFile(name string) (*lint.Config, error) {
	if c.explicit != nil {
		return c.explicit, nil
	}
	dir := "."
	if name != "<stdin>" {
		dir = filepath.Dir(name)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	path, ok := c.byDir[dir]
	if !ok {
		var err error
		if path, err = lint.FindConfig(dir); err != nil {
			return nil, err
		}
		c.byDir[dir] = path
	}
	if path == "" {
		return &lint.Config{}, nil
	}
	if cfg, ok := c.byPath[path]; ok {
		return cfg, nil
	}
	cfg, err := lint.LoadConfig(path)
	if err != nil {
		return nil, err
	}
	if err := cfg.Validate(c.rules); err != nil {
		return nil, err
	}
	c.byPath[path] = cfg
	if c.first == nil {
		c.first = cfg
	}
	return cfg, nil
}

// threshold is the failure threshold of the explicit config, or of the first
// config found.
func (c *configCache) threshold() *lint.Severity {
	if c.explicit != nil {
		return c.explicit.FailureThreshold
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.first != nil {
		return c.first.FailureThreshold
	}
	return nil
}
