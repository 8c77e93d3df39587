package cli

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/shipshape-dev/shipshape/buildctx"
	"github.com/shipshape-dev/shipshape/dockerfile"
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
	context   string
	noContext bool
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
	f.StringVar(&fl.context, "context", "", "the build context of every Dockerfile linted, stdin included (default: the directory of each file named like a Dockerfile)")
	f.BoolVar(&fl.noContext, "no-context", false, "lint without a build context: the rules that compare the Dockerfile with its context are skipped")
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
	contexts, err := newContextCache(fl)
	if err != nil {
		return err
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
				results[i] = (&lint.Linter{Rules: all, Config: cfg, LoadContext: contexts.loader(in.name)}).Lint(in.name, in.src)
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
		contexts.note(e.stderr, in.name, res.ContextErr)
		if fl.fix && in.name != "<stdin>" && res.File != nil {
			var err error
			if res, err = fixFile(in, res, configs, contexts, all, e.stderr); err != nil {
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
	color := fl.output == "" && !fl.noColor && os.Getenv("NO_COLOR") == "" && isTerminal(e.stdout)
	if err := writeStreamed(e.stdout, fl.output, func(w io.Writer) error {
		return report.Write(w, fl.format, rep, report.Options{Color: color})
	}); err != nil {
		return fmt.Errorf("writing report: %w", err)
	}
	return nil
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// fixFile applies the fixes, writes the file back and lints it again.
func fixFile(in input, res lint.Result, configs *configCache, contexts *contextCache, all []*lint.Rule, stderr io.Writer) (lint.Result, error) {
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
		res = (&lint.Linter{Rules: all, Config: cfg, LoadContext: contexts.loader(in.name)}).Lint(in.name, src)
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

// contextCache loads each build context once, and only when a rule asks: the
// directory given with --context, or else the directory of each file named
// like a Dockerfile. Files in one directory share it unless one of them has
// its own <Dockerfile>.dockerignore.
type contextCache struct {
	dir  string // --context
	off  bool   // --no-context
	mu   sync.Mutex
	byID map[string]*loadedContext
	told map[string]bool // notes already written
}

type loadedContext struct {
	once sync.Once
	r    *buildctx.Resolver
	err  error
}

func newContextCache(fl lintFlags) (*contextCache, error) {
	if fl.context != "" && fl.noContext {
		return nil, usageErr("--context and --no-context exclude each other")
	}
	if fl.context != "" {
		st, err := os.Stat(fl.context)
		if err != nil {
			return nil, usageErr("--context %q: %w", fl.context, unwrapPathErr(err))
		}
		if !st.IsDir() {
			return nil, usageErr("--context %q: not a directory", fl.context)
		}
	}
	return &contextCache{dir: fl.context, off: fl.noContext, byID: map[string]*loadedContext{}, told: map[string]bool{}}, nil
}

// loader returns what lint.Linter.LoadContext calls for the file name; nil
// when the file has no build context.
func (cc *contextCache) loader(name string) func(*dockerfile.File) (*buildctx.Resolver, error) {
	if cc.off {
		return nil
	}
	dir, dfName := cc.dir, ""
	switch {
	case dir != "":
		// relative to the context, so that its ignore file is named from there
		if name != "<stdin>" {
			dfName = name
			absDir, err1 := filepath.Abs(dir)
			absName, err2 := filepath.Abs(name)
			if err1 == nil && err2 == nil {
				dfName = absName
				if rel, err := filepath.Rel(absDir, absName); err == nil {
					dfName = rel
				}
			}
		}
	case name == "<stdin>" || !isDockerfileName(filepath.Base(name)):
		return nil
	default:
		dir, dfName = filepath.Dir(name), filepath.Base(name)
	}
	implicit := cc.dir == ""
	return func(f *dockerfile.File) (*buildctx.Resolver, error) {
		r, err := cc.load(dir, dfName)
		if err != nil || !implicit {
			return r, err
		}
		if err := builtFromElsewhere(f, r, dir); err != nil {
			return nil, err
		}
		return r, nil
	}
}

// load walks a context once and shares it; a Dockerfile with an ignore file
// of its own (<Dockerfile>.dockerignore) gets a walk of its own.
func (cc *contextCache) load(dir, dfName string) (*buildctx.Resolver, error) {
	id := dir
	if dfName != "" {
		own := dfName
		if !filepath.IsAbs(own) {
			own = filepath.Join(dir, own)
		}
		if _, err := os.Stat(own + ".dockerignore"); err == nil {
			id += "\x00" + own
		}
	}
	cc.mu.Lock()
	lc := cc.byID[id]
	if lc == nil {
		lc = &loadedContext{}
		cc.byID[id] = lc
	}
	cc.mu.Unlock()
	lc.once.Do(func() {
		c, err := buildctx.Load(dir, dfName)
		if err != nil {
			lc.err = err
			return
		}
		lc.r = buildctx.NewResolver(c)
	})
	return lc.r, lc.err
}

// builtFromElsewhere tells when a Dockerfile is not built from its own
// directory (`docker build -f docker/Dockerfile .`): a COPY source missing
// there is present in a parent directory. Comparing the two would then report
// errors that are not there, so the context rules are skipped for it.
func builtFromElsewhere(f *dockerfile.File, r *buildctx.Resolver, dir string) error {
	for _, in := range f.Instructions {
		srcs, exclude := lint.ContextSources(in)
		for _, s := range srcs {
			res := r.Resolve(s, exclude...)
			if !res.Missing || res.Wildcard {
				continue
			}
			if parent := parentHolding(dir, res.Path); parent != "" {
				return fmt.Errorf("`%s %s` is not in %s but is in %s, so the Dockerfile looks built from there: "+
					"pass --context %s to lint it with that context", strings.ToUpper(in.Name), s, dir, parent, parent)
			}
		}
	}
	return nil
}

// parentHolding returns the nearest parent directory of dir that has rel,
// looking no higher than the repository root (the first directory with .git)
// and a few levels; "" when there is none.
func parentHolding(dir, rel string) string {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return ""
	}
	wd, _ := os.Getwd()
	for i := 0; i < 5; i++ {
		if _, err := os.Stat(filepath.Join(abs, ".git")); err == nil {
			return ""
		}
		up := filepath.Dir(abs)
		if up == abs || filepath.Dir(up) == up {
			return "" // never the file system root
		}
		abs = up
		if _, err := os.Lstat(filepath.Join(abs, filepath.FromSlash(rel))); err == nil {
			if r, err := filepath.Rel(wd, abs); err == nil && wd != "" {
				return r
			}
			return abs
		}
	}
	return ""
}

// note tells, once per cause, that a file was linted without its context.
func (cc *contextCache) note(w io.Writer, name string, err error) {
	if err == nil || cc.told[err.Error()] {
		return
	}
	cc.told[err.Error()] = true
	fmt.Fprintf(w, "shipshape: %s: linted without its build context, the rules that read it skipped: %v\n", name, err)
}
