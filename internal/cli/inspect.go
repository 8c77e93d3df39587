package cli

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"strconv"
	"strings"

	"github.com/spf13/cobra"
	"gopkg.in/yaml.v3"

	"github.com/shipshape-dev/shipshape/analyze"
	"github.com/shipshape-dev/shipshape/dockerfile"
	"github.com/shipshape-dev/shipshape/image"
	"github.com/shipshape-dev/shipshape/layers"
	"github.com/shipshape-dev/shipshape/report"
)

type inspectFlags struct {
	format, output, platform, base, dockerfile string
	insecure, files, ci                        bool
	keep, top, maxEntries                      int
	ciConfig                                   string
	lowestEfficiency, highestWasted            string
	highestUserWasted, maxReclaimable          string
	maxExpansion                               int64
}

func newInspectCmd(e *env) *cobra.Command {
	var fl inspectFlags
	cmd := &cobra.Command{
		Use:   "inspect IMAGE",
		Short: "Take an image apart layer by layer and account for every byte",
		Long: "inspect reads an image without a daemon, streaming each layer once, and reports\n" +
			"its layers, the bytes that are in layers but not in the final filesystem (with the\n" +
			"layer that added and the one that removed them), and dive-compatible efficiency.\n\n" +
			"IMAGE is one of:\n" + sourcesHelp() +
			"A bare path is recognised by its content; a bare name is a registry reference.",
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
		// entry and keeps peak memory low instead.
		debug.SetGCPercent(100)
	}
	if fl.format != "text" && fl.format != "json" {
		return usageErr("unknown format %q (want %s)", fl.format, strings.Join(report.InspectFormats(), " or "))
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
	progress := newProgress(e.stderr, src)
	im, err := layers.Read(ctx, src, layers.Options{MaxEntries: fl.maxEntries, Progress: progress.update})
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
	in := &report.Inspection{Tool: "shipshape", Version: Version(), Result: res, Files: fl.files, Top: fl.top}
	if fl.ci {
		in.Gates, in.CIPassed = analyze.Evaluate(res, thresholds)
	}
	var buf bytes.Buffer
	if err := report.WriteInspection(&buf, fl.format, in); err != nil {
		return &exitError{code: ExitError, err: err}
	}
	if fl.output != "" {
		if err := os.WriteFile(fl.output, buf.Bytes(), 0o644); err != nil {
			return &exitError{code: ExitError, err: err}
		}
	} else if _, err := e.stdout.Write(buf.Bytes()); err != nil {
		return &exitError{code: ExitError, err: err}
	}
	if fl.ci && !in.CIPassed {
		return &exitError{code: ExitFindings}
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
