package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"

	"github.com/spf13/cobra"
	"gopkg.in/yaml.v3"

	"github.com/shipshape-dev/shipshape/analyze"
	"github.com/shipshape-dev/shipshape/dockerfile"
	"github.com/shipshape-dev/shipshape/image"
	"github.com/shipshape-dev/shipshape/layers"
	"github.com/shipshape-dev/shipshape/lint"
	"github.com/shipshape-dev/shipshape/report"
	"github.com/shipshape-dev/shipshape/rules"
)

type inspectFlags struct {
	format, output, platform, base, dockerfile string
	insecure, files, ci                        bool
	keep, top, maxEntries                      int
	ciConfig                                   string
	lowestEfficiency, highestWasted            string
	highestUserWasted, maxReclaimable          string
	maxExpansion                               int64

	// image checks
	noChecks, checksOnly, baseFindings, deep bool
	threshold, config                        string
}

func newInspectCmd(e *env) *cobra.Command {
	var fl inspectFlags
	cmd := &cobra.Command{
		Use:   "inspect IMAGE",
		Short: "Take an image apart layer by layer and account for every byte",
		Long: "inspect reads an image without a daemon, streaming each layer once, and reports\n" +
			"its layers, the bytes that are in layers but not in the final filesystem (with the\n" +
			"layer that added and the one that removed them), and dive-compatible efficiency.\n" +
			"The image checks (IMnnn; `shipshape rules` lists them) then report what should not be in it:\n" +
			"package caches, .git, compilers, secrets (never printed), root user, … with the layer,\n" +
			"the Dockerfile line (--dockerfile), the fix and the bytes it saves. Findings in the base\n" +
			"image's layers are hidden unless --base-findings.\n\n" +
			"IMAGE is one of:\n" + sourcesHelp() +
			"A bare path is recognised by its content; a bare name is a registry reference.\n\n" +
			"Exit status: 0, or 1 when a finding is at or above --failure-threshold or a --ci gate\n" +
			"fails, 2 on a usage or I/O error.",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runInspect(cmd.Context(), e, &fl, args[0], cmd.Flags().Changed)
		},
	}
	f := cmd.Flags()
	f.StringVarP(&fl.format, "format", "f", "text", "output format: "+strings.Join(report.InspectFormats(), ", "))
	f.StringVarP(&fl.output, "output", "o", "", "write the report to this file instead of standard output")
	f.BoolVar(&fl.files, "files", false, "list every layer's entries in the JSON report")
	f.StringVar(&fl.platform, "platform", "", "os/arch[/variant] to pick from a multi-platform image (default: this machine's)")
	f.BoolVar(&fl.insecure, "insecure", false, "allow plain http to the registry (for registries on localhost)")
	f.StringVar(&fl.base, "base", "", "the base image (any IMAGE form): the layers it shares are the base, instead of guessing from history")
	f.IntVar(&fl.keep, "keep", 0, "treat the first N layers as the base, instead of guessing from history")
	f.StringVar(&fl.dockerfile, "dockerfile", "", "the Dockerfile the image was built from: history entries are matched to its lines")
	f.IntVar(&fl.top, "top", 10, "how many dead paths and inefficient files the text report lists")
	f.IntVar(&fl.maxEntries, "max-entries", layers.DefaultMaxEntries, "stop with an error when the image holds more entries (bounds memory, about 120 bytes each)")
	f.Int64Var(&fl.maxExpansion, "max-expansion", image.DefaultMaxExpansion, "stop when a compressed layer inflates more than this many times its size (gzip bombs)")
	f.BoolVar(&fl.ci, "ci", false, "evaluate the CI gates, print PASS/FAIL lines and exit 1 when one fails (dive's defaults and .dive-ci apply)")
	f.StringVar(&fl.ciConfig, "ci-config", ".dive-ci", "dive's CI rules file, read when present")
	f.StringVar(&fl.lowestEfficiency, "lowest-efficiency", "", "fail below this dive-compatible efficiency (ratio 0..1, or \"disabled\"; dive's default 0.9)")
	f.StringVar(&fl.highestWasted, "highest-wasted-bytes", "", "fail above this many dive-compatible wasted bytes (e.g. 20MB, or \"disabled\", the default)")
	f.StringVar(&fl.highestUserWasted, "highest-user-wasted-percent", "", "fail above this ratio of wasted to user bytes (0..1, or \"disabled\"; dive's default 0.1)")
	f.StringVar(&fl.maxReclaimable, "max-reclaimable-bytes", "", "fail above this many reclaimable bytes (e.g. 50MiB, or \"disabled\", the default)")
	f.BoolVar(&fl.noChecks, "no-checks", false, "do not run the image checks (only the analysis)")
	f.BoolVar(&fl.checksOnly, "checks-only", false, "print only the image checks' findings")
	f.BoolVar(&fl.baseFindings, "base-findings", false, "also show findings in the base image's layers")
	f.BoolVar(&fl.deep, "deep", false, "also look for the same content stored under several paths (IM212; hashes every file of 1 KiB or more)")
	f.StringVar(&fl.threshold, "failure-threshold", "", "exit 1 when a shown finding is at least this severe: error, warning, info, style, none (default warning, or the config's)")
	f.StringVarP(&fl.config, "config", "c", "", "configuration file (default: .shipshape.yaml or .hadolint.yaml next to --dockerfile, or in the current directory, up to the repository root)")
	return cmd
}

func sourcesHelp() string {
	var b strings.Builder
	for _, s := range image.Sources() {
		fmt.Fprintf(&b, "  %-32s %s\n", s.Name+":"+s.Usage, s.Doc)
	}
	return b.String()
}

func runInspect(ctx context.Context, e *env, fl *inspectFlags, ref string, changed func(string) bool) error {
	if os.Getenv("GOGC") == "" {
		// main trades memory for lint speed; inspect holds one record per
		// entry and keeps peak memory low instead. 50 costs no wall time
		// here (the work is inflating and hashing, not allocating) and
		// lowers peak RSS: big.docker.tar 229 -> 186 MB, whiteouts-10000
		// 42 -> 35 MB (docs/benchmarks.md).
		debug.SetGCPercent(50)
	}
	if !slices.Contains(report.InspectFormats(), fl.format) {
		return usageErr("unknown format %q (want one of %s)", fl.format, strings.Join(report.InspectFormats(), ", "))
	}
	if fl.noChecks && (fl.checksOnly || fl.deep || fl.baseFindings) {
		return usageErr("--no-checks turns the image checks off; it cannot go with --checks-only, --deep or --base-findings")
	}
	if fl.noChecks && fl.format != "text" && fl.format != "json" {
		return usageErr("--format %s reports the image checks' findings; it cannot go with --no-checks", fl.format)
	}
	all := rules.All()
	cfgDir := "."
	if fl.dockerfile != "" {
		cfgDir = filepath.Dir(fl.dockerfile)
	}
	cfg, err := contextConfig(fl.config, cfgDir, all)
	if err != nil {
		return usageErr("%w", err)
	}
	if fl.deep {
		cfg.Enable = append(cfg.Enable, rules.DuplicateContent.Code)
	}
	threshold := lint.Warning
	switch {
	case fl.threshold != "":
		if threshold, err = lint.ParseSeverity(fl.threshold); err != nil {
			return usageErr("--failure-threshold: %w", err)
		}
	case cfg.FailureThreshold != nil:
		threshold = *cfg.FailureThreshold
	}
	var thresholds analyze.Thresholds
	if fl.ci {
		var err error
		if thresholds, err = ciThresholds(fl, changed); err != nil {
			return usageErr("%v", err)
		}
	}
	var df *dockerfile.File
	if fl.dockerfile != "" {
		src, err := os.ReadFile(fl.dockerfile)
		if err != nil {
			return &exitError{code: ExitError, err: fmt.Errorf("reading --dockerfile: %w", err)}
		}
		if df, _, err = dockerfile.Parse(fl.dockerfile, src); err != nil {
			return &exitError{code: ExitError, err: fmt.Errorf("--dockerfile %s does not parse: %w", fl.dockerfile, err)}
		}
	}
	opts := image.Options{Platform: fl.platform, Insecure: fl.insecure, MaxExpansion: fl.maxExpansion}
	src, err := image.Open(ctx, ref, opts)
	if err != nil {
		return &exitError{code: ExitError, err: err}
	}
	defer src.Close()
	// The checks that read file contents say which before the layers
	// stream, so that each layer is still read once.
	linter := &lint.Linter{Rules: all, Config: cfg}
	cfgName := ref
	if df != nil {
		cfgName = df.Name
	}
	var contents *lint.Contents
	readOpts := layers.Options{MaxEntries: fl.maxEntries}
	if !fl.noChecks {
		if contents = linter.NewContents(cfgName, src.Config, len(src.Layers)); contents != nil {
			readOpts.Visit = contents.Visit
		}
	}
	progress := newProgress(e.stderr, src)
	readOpts.Progress = progress.update
	im, err := layers.Read(ctx, src, readOpts)
	progress.done()
	if err != nil {
		return &exitError{code: ExitError, err: fmt.Errorf("reading %s: %w", ref, err)}
	}
	var boundary *layers.Boundary
	switch {
	case fl.base != "":
		b, err := baseBoundary(ctx, im, fl.base, opts)
		if err != nil {
			return &exitError{code: ExitError, err: err}
		}
		boundary = &b
	case fl.keep > 0:
		b := im.KeepLayers(fl.keep)
		boundary = &b
	}
	res := analyze.Analyze(im, boundary)
	if df != nil {
		analyze.MatchDockerfile(res, df)
	}
	// No report prints a secret that a history entry records (checks
	// still see it in the config).
	rules.RedactHistory(res)
	in := &report.Inspection{Tool: "shipshape", Version: Version(), Result: res, Files: fl.files, Top: fl.top,
		Rules: all, ShowBase: fl.baseFindings, ChecksOnly: fl.checksOnly}
	if !fl.noChecks {
		in.Checks = true
		in.Findings = linter.LintImage(&lint.ImageTarget{Result: res, Contents: contents}, df).Findings
	}
	if fl.ci {
		in.Gates, in.CIPassed = analyze.Evaluate(res, thresholds)
	}
	// Streamed to its destination: the JSON of an image with many dead
	// paths or --files runs to megabytes.
	if err := writeStreamed(e.stdout, fl.output, func(w io.Writer) error {
		return report.WriteInspection(w, fl.format, in)
	}); err != nil {
		return &exitError{code: ExitError, err: err}
	}
	if fl.ci && !in.CIPassed {
		return &exitError{code: ExitFindings}
	}
	for _, f := range in.Shown() {
		if threshold != lint.None && f.Severity.AtLeast(threshold) {
			return &exitError{code: ExitFindings}
		}
	}
	return nil
}

// baseBoundary opens the base image (config only) and compares diffIDs.
func baseBoundary(ctx context.Context, im *layers.Image, ref string, opts image.Options) (layers.Boundary, error) {
	base, err := image.Open(ctx, ref, opts)
	if err != nil {
		return layers.Boundary{}, fmt.Errorf("--base: %w", err)
	}
	defer base.Close()
	var ids []string
	for _, l := range base.Layers {
		ids = append(ids, l.DiffID)
	}
	b := im.WithBase(ids)
	if b.Layers < len(ids) {
		return b, fmt.Errorf("--base %s: the image shares only %d of the base's %d layers; is it really built FROM that image?", ref, b.Layers, len(ids))
	}
	return b, nil
}

// ciThresholds starts from dive's defaults, applies .dive-ci when present,
// then the flags given on the command line.
func ciThresholds(fl *inspectFlags, changed func(string) bool) (analyze.Thresholds, error) {
	t := analyze.DiveDefaults()
	rules, err := readDiveCI(fl.ciConfig, changed("ci-config"))
	if err != nil {
		return t, err
	}
	set := func(name, flag, value string) error {
		if value == "" {
			return nil
		}
		where := "--" + flag
		if !changed(flag) {
			where = fl.ciConfig + ": " + name
		}
		if strings.EqualFold(value, "disabled") {
			switch flag {
			case "lowest-efficiency":
				t.LowestEfficiency = nil
			case "highest-wasted-bytes":
				t.HighestWastedBytes = nil
			case "highest-user-wasted-percent":
				t.HighestUserWastedPercent = nil
			case "max-reclaimable-bytes":
				t.MaxReclaimableBytes = nil
			}
			return nil
		}
		switch flag {
		case "lowest-efficiency", "highest-user-wasted-percent":
			v, err := analyze.ParseRatio(value)
			if err != nil {
				return fmt.Errorf("%s: %v", where, err)
			}
			if flag == "lowest-efficiency" {
				t.LowestEfficiency = &v
			} else {
				t.HighestUserWastedPercent = &v
			}
		default:
			v, err := analyze.ParseBytes(value)
			if err != nil {
				return fmt.Errorf("%s: %v", where, err)
			}
			if flag == "highest-wasted-bytes" {
				t.HighestWastedBytes = &v
			} else {
				t.MaxReclaimableBytes = &v
			}
		}
		return nil
	}
	for _, s := range []struct{ name, flag, value string }{
		{"lowestEfficiency", "lowest-efficiency", rules["lowestEfficiency"]},
		{"highestWastedBytes", "highest-wasted-bytes", rules["highestWastedBytes"]},
		{"highestUserWastedPercent", "highest-user-wasted-percent", rules["highestUserWastedPercent"]},
		{"maxReclaimableBytes", "max-reclaimable-bytes", rules["maxReclaimableBytes"]},
		{"", "lowest-efficiency", fl.lowestEfficiency},
		{"", "highest-wasted-bytes", fl.highestWasted},
		{"", "highest-user-wasted-percent", fl.highestUserWasted},
		{"", "max-reclaimable-bytes", fl.maxReclaimable},
	} {
		if err := set(s.name, s.flag, s.value); err != nil {
			return t, err
		}
	}
	return t, nil
}

// readDiveCI reads dive's CI file: a "rules" map of thresholds. A missing
// file is fine unless it was named explicitly.
func readDiveCI(path string, explicit bool) (map[string]string, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) && !explicit {
		return map[string]string{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading CI rules: %w", err)
	}
	var doc struct {
		Rules map[string]any `yaml:"rules"`
	}
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("%s: not a dive CI file (want a `rules:` map): %v", path, err)
	}
	known := map[string]bool{"lowestEfficiency": true, "highestWastedBytes": true, "highestUserWastedPercent": true, "maxReclaimableBytes": true}
	out := map[string]string{}
	for k, v := range doc.Rules {
		if !known[k] {
			return nil, fmt.Errorf("%s: unknown rule %q (known: lowestEfficiency, highestWastedBytes, highestUserWastedPercent, maxReclaimableBytes)", path, k)
		}
		switch v := v.(type) {
		case float64:
			out[k] = strconv.FormatFloat(v, 'f', -1, 64)
		case int:
			out[k] = strconv.Itoa(v)
		default:
			out[k] = fmt.Sprint(v)
		}
	}
	return out, nil
}

// progress prints layers read and bytes on stderr when it is a terminal.
type progress struct {
	w      io.Writer
	active bool
}

func newProgress(w io.Writer, src *image.Image) *progress {
	return &progress{w: w, active: isTerminal(w) && len(src.Layers) > 0}
}

func (p *progress) update(pr layers.Progress) {
	if p.active {
		fmt.Fprintf(p.w, "\rreading layers: %d/%d, %s", pr.LayersDone, pr.Layers, report.Bytes(pr.Bytes))
	}
}

func (p *progress) done() {
	if p.active {
		fmt.Fprint(p.w, "\r\033[K")
	}
}
