package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/shipshape-dev/shipshape/image"
	"github.com/shipshape-dev/shipshape/layers"
	"github.com/shipshape-dev/shipshape/report"
	"github.com/shipshape-dev/shipshape/squash"
)

type squashFlags struct {
	output, base, compression, format, platform string
	remove                                      []string
	keep, level, maxEntries                     int
	all, noVerify, insecure                     bool
	maxExpansion                                int64
}

func newSquashCmd(e *env) *cobra.Command {
	var fl squashFlags
	cmd := &cobra.Command{
		Use:   "squash IMAGE -o DEST",
		Short: "Merge the layers above the base into one, drop dead bytes, verify the result",
		Long: "squash writes a copy of IMAGE whose base layers are kept byte for byte (same digests,\n" +
			"still shared with every image built on that base) and whose own layers are merged into\n" +
			"one holding exactly their final state: files deleted or overwritten by later layers are\n" +
			"gone, deletions of base files stay whiteouts. --remove takes more out. The written image\n" +
			"is read back and compared with the input, path by path, before it is moved into place.\n\n" +
			"stdout gets the written image's reference (digest-pinned for a registry), or the JSON\n" +
			"report with --format json; the human report goes to stderr.\n\n" +
			"IMAGE is one of:\n" + sourcesHelp() +
			"DEST is one of:\n" + sinksHelp() +
			"--remove presets:\n" + presetsHelp() +
			"or a glob: with a slash it is anchored at the root (var/cache/**), without one it\n" +
			"matches a name anywhere (*.log); a matched directory goes with all it holds.\n\n" +
			"SOURCE_DATE_EPOCH, when set, is the time written into the new history entry;\n" +
			"otherwise the newest time of the input's history is used, never the clock.",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runSquash(cmd.Context(), e, &fl, args[0])
		},
	}
	f := cmd.Flags()
	f.StringVarP(&fl.output, "output", "o", "", "where to write the squashed image (required)")
	f.StringVar(&fl.base, "base", "", "the base image (any IMAGE form): the layers it shares stay, instead of guessing from history")
	f.IntVar(&fl.keep, "keep", 0, "keep the first N layers as they are, instead of guessing the base from history")
	f.BoolVar(&fl.all, "all", false, "merge every layer, the base's too")
	f.StringArrayVar(&fl.remove, "remove", nil, "remove a preset or a glob from the final filesystem (repeatable)")
	f.StringVar(&fl.compression, "compression", squash.Gzip, "compression of the new layer: gzip, zstd or none")
	f.IntVar(&fl.level, "level", 0, "compression level (gzip 1-9, default 6; zstd 1-22, default 3)")
	f.BoolVar(&fl.noVerify, "no-verify", false, "skip reading the written image back and comparing it with the input")
	f.StringVarP(&fl.format, "format", "f", "text", "report format: text (on stderr) or json (on stdout)")
	f.StringVar(&fl.platform, "platform", "", "os/arch[/variant] to pick from a multi-platform image (default: this machine's)")
	f.BoolVar(&fl.insecure, "insecure", false, "allow plain http to registries (for registries on localhost)")
	f.IntVar(&fl.maxEntries, "max-entries", layers.DefaultMaxEntries, "stop with an error when the image holds more entries (bounds memory, about 120 bytes each)")
	f.Int64Var(&fl.maxExpansion, "max-expansion", image.DefaultMaxExpansion, "stop when a compressed layer inflates more than this many times its size (gzip bombs)")
	return cmd
}

func sinksHelp() string {
	var b strings.Builder
	for _, s := range image.Sinks() {
		fmt.Fprintf(&b, "  %-32s %s\n", s.Name+":"+s.Usage, s.Doc)
	}
	return b.String()
}

func presetsHelp() string {
	var b strings.Builder
	for _, p := range squash.Presets {
		fmt.Fprintf(&b, "  %-32s %s\n", p.Name, p.Title)
	}
	return b.String()
}

func runSquash(ctx context.Context, e *env, fl *squashFlags, ref string) error {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(100) // one record per entry: keep peak memory low
	}
	if fl.format != "text" && fl.format != "json" {
		return usageErr("unknown format %q (want text or json)", fl.format)
	}
	if fl.output == "" {
		return usageErr("name the destination with -o (for example -o oci-archive:squashed.tar)")
	}
	set := 0
	for _, b := range []bool{fl.base != "", fl.keep > 0, fl.all} {
		if b {
			set++
		}
	}
	if set > 1 {
		return usageErr("--base, --keep and --all each decide the base; give one")
	}
	if fl.keep < 0 {
		return usageErr("--keep %d: want a number of layers, 0 or more", fl.keep)
	}
	created, err := sourceDateEpoch()
	if err != nil {
		return usageErr("%v", err)
	}
	opts := image.Options{Platform: fl.platform, Insecure: fl.insecure, MaxExpansion: fl.maxExpansion}
	src, err := image.Open(ctx, ref, opts)
	if err != nil {
		return &exitError{code: ExitError, err: err}
	}
	defer src.Close()
	so := squash.Options{
		Output: fl.output, Sink: image.SinkOptions{Insecure: fl.insecure}, Open: opts,
		All: fl.all, Remove: fl.remove, Compression: fl.compression, Level: fl.level,
		MaxEntries: fl.maxEntries, NoVerify: fl.noVerify, Created: created,
	}
	so.Keep = fl.keep
	if fl.base != "" {
		base, err := image.Open(ctx, fl.base, opts)
		if err != nil {
			return &exitError{code: ExitError, err: fmt.Errorf("--base: %w", err)}
		}
		so.BaseName, so.BaseDiffIDs = fl.base, []string{}
		for _, l := range base.Layers {
			so.BaseDiffIDs = append(so.BaseDiffIDs, l.DiffID)
		}
		base.Close()
	}
	if isTerminal(e.stderr) && fl.format == "text" {
		start := time.Now()
		so.Progress = func(phase string) {
			fmt.Fprintf(e.stderr, "\r\033[K%s (%.0fs)", phase, time.Since(start).Seconds())
		}
	}
	res, err := squash.Squash(ctx, src, so)
	if so.Progress != nil {
		fmt.Fprint(e.stderr, "\r\033[K")
	}
	if err != nil {
		return &exitError{code: ExitError, err: fmt.Errorf("squashing %s: %w", ref, err)}
	}
	if fl.format == "json" {
		return writeSquashJSON(e.stdout, res)
	}
	writeSquashText(e.stderr, ref, res)
	if _, err := fmt.Fprintln(e.stdout, res.Reference); err != nil {
		return &exitError{code: ExitError, err: err}
	}
	return nil
}

// sourceDateEpoch reads SOURCE_DATE_EPOCH, the reproducible-builds way of
// fixing a build's time.
func sourceDateEpoch() (*time.Time, error) {
	v := os.Getenv("SOURCE_DATE_EPOCH")
	if v == "" {
		return nil, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 0 {
		return nil, fmt.Errorf("SOURCE_DATE_EPOCH=%q: want seconds since 1970 as an integer", v)
	}
	t := time.Unix(n, 0).UTC()
	return &t, nil
}

func writeSquashJSON(w io.Writer, res *squash.Result) error {
	doc := struct {
		SchemaVersion int    `json:"schemaVersion"`
		Tool          any    `json:"tool"`
		Result        any    `json:"result"`
		Reference     string `json:"reference"`
	}{1, map[string]string{"name": "shipshape", "version": Version()}, res, res.Reference}
	b, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return &exitError{code: ExitError, err: err}
	}
	if _, err := w.Write(append(b, '\n')); err != nil {
		return &exitError{code: ExitError, err: err}
	}
	return nil
}

func writeSquashText(w io.Writer, ref string, r *squash.Result) {
	fmt.Fprintf(w, "squashed %s\n      to %s\n", ref, r.Reference)
	fmt.Fprintf(w, "digest  %s\n", r.Digest)
	fmt.Fprintf(w, "base    %d layers kept as they are (%s)\n", r.Base.Layers, r.Base.Method)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "\tbefore\tafter\t\t\n")
	fmt.Fprintf(tw, "layers\t%d\t%d\t\t\n", r.Input.Layers, r.Output.Layers)
	row := func(name string, a, b int64) {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t\n", name, report.Bytes(a), report.Bytes(b), change(a, b))
	}
	row("uncompressed", r.Input.TarBytes, r.Output.TarBytes)
	row("compressed", r.Input.CompressedBytes, r.Output.CompressedBytes)
	row("pull with the base", r.Input.PullBytes, r.Output.PullBytes)
	row("final files", r.Input.FinalBytes, r.Output.FinalBytes)
	tw.Flush()
	if nl := r.NewLayer; nl != nil {
		fmt.Fprintf(w, "new layer %s: %d layers merged, %s (%s %d), %d entries, %d whiteouts, %d opaque directories, %d hard links rewritten\n",
			nl.Digest, r.Squashed, report.Bytes(nl.Size), nl.Compression, nl.Level, nl.Entries, nl.Whiteouts, nl.Opaques, nl.Links)
	}
	for _, g := range r.Removed {
		fmt.Fprintf(w, "removed %s: %s in %d entries\n", g.Name, report.Bytes(g.Bytes), g.Files)
		const show = 10
		for i, p := range g.Paths {
			if i == show {
				fmt.Fprintf(w, "  … and %d more paths\n", len(g.Paths)-show)
				break
			}
			where := ""
			if p.Base {
				where = " (in the base: hidden by a whiteout, its bytes still travel in the base layers)"
			}
			fmt.Fprintf(w, "  %s  %s%s\n", p.Path, report.Bytes(p.Bytes), where)
		}
	}
	for _, n := range r.Notes {
		fmt.Fprintf(w, "note: %s\n", n)
	}
	if v := r.Verification; v != nil {
		fmt.Fprintf(w, "verified: %d paths, %d file contents, %d base blobs\n", v.Entries, v.Files, v.BaseBlobs)
	} else {
		fmt.Fprintln(w, "not verified (--no-verify)")
	}
}

func change(a, b int64) string {
	if a == 0 {
		return ""
	}
	return fmt.Sprintf("%+.1f%%", 100*float64(b-a)/float64(a))
}
