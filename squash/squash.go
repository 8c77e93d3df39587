package squash

import (
	"archive/tar"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"sync"
	"time"

	"github.com/shipshape-dev/shipshape/image"
	"github.com/shipshape-dev/shipshape/layers"
)

// Options tune Squash. Output is required; every other zero value is a default.
type Options struct {
	// Output is where the new image goes, in image.Sinks' forms.
	Output string
	// Sink tunes the destination (registry credentials, Insecure). Its
	// Inputs always include the input image.
	Sink image.SinkOptions
	// Open tunes re-opening the written image for verification; use the
	// options the input was opened with.
	Open image.Options

	// Which layers are the base's and stay as they are. Default: found
	// from the history (layers.Image.BaseBoundary). Keep names a count,
	// BaseDiffIDs the layers of the base image (all must be shared;
	// BaseName names it in errors), All merges every layer.
	Keep        int
	BaseDiffIDs []string
	BaseName    string
	All         bool
	// Remove lists presets (see Presets) and globs (see Compile) to take
	// out of the final filesystem.
	Remove []string

	// Compression of the new layer: Gzip (default), Zstd or Uncompressed.
	Compression string
	// Level of compression; 0 means the compression's default (gzip 6, zstd 3).
	Level int
	// Parallel bounds the goroutines reading and compressing; 0 means GOMAXPROCS.
	Parallel int
	// MaxEntries bounds the entries read (memory); 0 means layers.DefaultMaxEntries.
	MaxEntries int

	// NoVerify skips re-reading the written image. Default: verify.
	NoVerify bool
	// Created forces the time written into the new history entry, the
	// image's created field and the markers of the new layer (as
	// SOURCE_DATE_EPOCH does). Default: the newest time in the input's history.
	Created *time.Time
	// CreatedBy is the new history entry's created_by. Default "shipshape squash".
	CreatedBy string

	// Progress, when set, hears each phase as it starts. Default: silent.
	Progress func(phase string)
}

// Squash writes a copy of in whose base layers are kept byte for byte and
// whose other layers are merged into one that holds exactly their final
// state, minus what opts.Remove names; then, unless opts.NoVerify, it
// reads the copy back and compares it with the input before moving it
// into place.
func Squash(ctx context.Context, in *image.Image, opts Options) (*Result, error) {
	o, err := opts.resolve()
	if err != nil {
		return nil, err
	}
	if o.Keep > len(in.Layers) {
		return nil, fmt.Errorf("--keep %d: the image has %d layers", o.Keep, len(in.Layers))
	}
	sinkOpts := o.Sink
	sinkOpts.Inputs = append(append([]string{}, sinkOpts.Inputs...), in.Reference)
	sink, err := image.CreateSink(o.Output, sinkOpts)
	if err != nil {
		return nil, err
	}
	defer sink.Abort()

	o.phase(fmt.Sprintf("reading %d layers", len(in.Layers)))
	dirHeaders := map[layers.Ref]*tar.Header{}
	rootHeaders := make([]*tar.Header, len(in.Layers)) // the last root entry of each layer
	var mu sync.Mutex
	im, err := layers.Read(ctx, in, layers.Options{Parallel: o.Parallel, MaxEntries: o.MaxEntries,
		Header: func(l *layers.Layer, i int, h *tar.Header) error {
			if h.Typeflag == tar.TypeDir {
				c := *h
				mu.Lock()
				if i < 0 {
					rootHeaders[l.Index] = &c
				} else {
					dirHeaders[layers.Ref{Layer: int32(l.Index), Entry: int32(i)}] = &c
				}
				mu.Unlock()
			}
			return nil
		}})
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", in.Reference, err)
	}
	b, err := o.boundary(im)
	if err != nil {
		return nil, err
	}
	res := &Result{Removed: []RemovedGroup{}, Notes: []string{}, Squashed: len(im.Layers) - b.Layers}
	res.Base.Layers, res.Base.Method = b.Layers, b.Method

	fin := im.Merge()
	for r := range dirHeaders {
		// Only live directories of the user's layers are ever written.
		if int(r.Layer) < b.Layers || fin.Fates[r.Layer][r.Entry].How != layers.Alive {
			delete(dirHeaders, r)
		}
	}
	base := (&layers.Image{Layers: im.Layers[:b.Layers]}).Merge()
	t := newTree(im, b.Layers, base, fin)
	var locales []string
	if in.Config != nil {
		locales = configuredLocales(in.Config.Config.Env)
	}
	if t.groups, err = compileGroups(o.Remove, locales); err != nil {
		return nil, err
	}
	res.Removed = t.applyRemovals(t.groups)
	if res.Removed == nil {
		res.Removed = []RemovedGroup{}
	}
	p := t.makePlan(fin, opaquePaths(im, b.Layers))
	res.Notes = append(res.Notes, p.notes...)
	res.Notes = append(res.Notes, orphanNotes(im, fin, b.Layers)...)
	res.Input = summarize(im, fin, nil, b.Layers, len(im.Layers))
	if uncompressedInput(in, b.Layers) {
		res.Notes = append(res.Notes, "the input stores its layers uncompressed (as docker save does): its compressed and pull sizes are its tar sizes, more than a registry would serve")
	}

	out := &image.Output{RawConfig: in.RawConfig, Tags: in.Tags, OCI: isOCI(in)}
	for i := 0; i < b.Layers; i++ {
		out.Layers = append(out.Layers, in.Layers[i].Blob())
	}
	var inHashes map[layers.Ref]contentSum
	newLayer := res.Squashed > 0 || len(p.markers) > 0
	if !newLayer {
		res.Notes = append(res.Notes, "nothing to squash: every layer is the base's and nothing was removed; the image is copied as it is")
	} else {
		when := squashTime(o.Created, in.Config, im)
		o.phase("writing the new layer")
		nl, hashes, err := writeLayer(ctx, sink, in, t, p, dirHeaders, lastRoot(rootHeaders, b.Layers), when, &o)
		if err != nil {
			return nil, err
		}
		inHashes = hashes
		res.NewLayer = nl
		out.Layers = append(out.Layers, image.Blob{Digest: nl.Digest, DiffID: nl.DiffID, MediaType: nl.MediaType, Size: nl.Size, File: nl.file,
			Open: func(context.Context) (io.ReadCloser, error) { return os.Open(nl.file) }})
		diffIDs := make([]string, len(out.Layers))
		for i, l := range out.Layers {
			diffIDs[i] = l.DiffID
		}
		hist, err := newHistory(in.RawConfig, im, b, when, o.CreatedBy)
		if err != nil {
			return nil, err
		}
		if out.RawConfig, err = newConfig(in.RawConfig, diffIDs, hist, o.Created); err != nil {
			return nil, err
		}
	}
	o.phase("writing " + o.Output)
	w, err := sink.Write(ctx, out)
	if err != nil {
		return nil, err
	}
	if !o.NoVerify {
		o.phase("verifying " + w.Reference)
		v, err := verify(ctx, w.Reference, o.Open, t, fin, inHashes, newLayer, o.Parallel, o.MaxEntries)
		if err != nil {
			return nil, err
		}
		res.Verification = v
	}
	final, err := sink.Commit(ctx)
	if err != nil {
		return nil, err
	}
	res.Reference, res.Digest, res.Config = final.Reference, final.Digest, final.ConfigDigest
	res.Output = summarize(im, fin, t, b.Layers, len(out.Layers))
	res.Output.CompressedBytes, res.Output.TarBytes, res.Output.PullBytes = 0, 0, 0
	for i, l := range out.Layers {
		res.Output.CompressedBytes += l.Size
		if i >= b.Layers {
			res.Output.PullBytes += l.Size
		}
	}
	for i := 0; i < b.Layers; i++ {
		res.Output.TarBytes += im.Layers[i].TarSize
	}
	if res.NewLayer != nil {
		res.Output.TarBytes += res.NewLayer.TarBytes
	}
	return res, nil
}

type resolved struct{ Options }

func (o Options) resolve() (resolved, error) {
	r := resolved{o}
	if r.Output == "" {
		return r, errors.New("no output: name where the squashed image goes")
	}
	if r.Compression == "" {
		r.Compression = Gzip
	}
	if _, ok := map[string]bool{Gzip: true, Zstd: true, Uncompressed: true}[r.Compression]; !ok {
		return r, fmt.Errorf("unknown compression %q (want gzip, zstd or none)", r.Compression)
	}
	if r.Level == 0 {
		r.Level = defaultLevel[r.Compression]
	} else if rg, ok := levelRange[r.Compression]; !ok || r.Level < rg[0] || r.Level > rg[1] {
		if !ok {
			return r, fmt.Errorf("--level does not apply to compression %q", r.Compression)
		}
		return r, fmt.Errorf("level %d is out of %s's range %d..%d", r.Level, r.Compression, rg[0], rg[1])
	}
	if r.Parallel <= 0 {
		r.Parallel = runtime.GOMAXPROCS(0)
	}
	if r.MaxEntries <= 0 {
		r.MaxEntries = layers.DefaultMaxEntries
	}
	if r.CreatedBy == "" {
		r.CreatedBy = "shipshape squash"
	}
	n := 0
	for _, set := range []bool{r.All, r.Keep > 0, r.BaseDiffIDs != nil} {
		if set {
			n++
		}
	}
	if n > 1 {
		return r, errors.New("--all, --keep and --base each decide the base; give one")
	}
	if r.Keep < 0 {
		return r, fmt.Errorf("--keep %d: want a number of layers", r.Keep)
	}
	return r, nil
}

func (o *resolved) boundary(im *layers.Image) (layers.Boundary, error) {
	switch {
	case o.All:
		return layers.Boundary{Method: "--all: every layer is merged"}, nil
	case o.Keep > 0:
		if o.Keep > len(im.Layers) {
			return layers.Boundary{}, fmt.Errorf("--keep %d: the image has %d layers", o.Keep, len(im.Layers))
		}
		return im.KeepLayers(o.Keep), nil
	case o.BaseDiffIDs != nil:
		b := im.WithBase(o.BaseDiffIDs)
		if b.Layers < len(o.BaseDiffIDs) {
			return b, fmt.Errorf("--base %s: the image shares only %d of the base's %d layers; is it built FROM that image?", o.BaseName, b.Layers, len(o.BaseDiffIDs))
		}
		return b, nil
	}
	return im.BaseBoundary(), nil
}

func (o *resolved) phase(s string) {
	if o.Progress != nil {
		o.Progress(s)
	}
}

// writeLayer streams the plan into a compressed temporary file of the sink.
func writeLayer(ctx context.Context, sink *image.Sink, in *image.Image, t *tree, p *plan, dirHeaders map[layers.Ref]*tar.Header, root *tar.Header, when time.Time, o *resolved) (*NewLayer, map[layers.Ref]contentSum, error) {
	f, err := sink.TempFile()
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	lw, err := newLayerWriter(f, o.Compression, o.Level)
	if err != nil {
		return nil, nil, err
	}
	s := &streamer{t: t, p: p, tw: tar.NewWriter(lw), dirHeaders: dirHeaders, root: root, mtime: when}
	if !o.NoVerify {
		s.hashes, s.h = map[layers.Ref]contentSum{}, newContentHash()
	}
	err = s.run(ctx, in)
	if cerr := lw.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, nil, fmt.Errorf("writing the new layer: %w", err)
	}
	if err := f.Close(); err != nil {
		return nil, nil, fmt.Errorf("writing the new layer: %w", err)
	}
	nl := &NewLayer{Digest: lw.digest(), DiffID: lw.diffID(), MediaType: string(mediaType(o.Compression)), Size: lw.blob.n,
		TarBytes: lw.tarBytes, Compression: o.Compression, Level: o.Level, layerStats: s.stats, file: f.Name()}
	if o.Compression == Uncompressed {
		nl.Level = 0
	}
	return nl, s.hashes, nil
}

// lastRoot is the root directory's header the new layer must carry: the
// last one of the user's layers, when no base layer comes after it.
func lastRoot(roots []*tar.Header, nBase int) *tar.Header {
	for i := len(roots) - 1; i >= 0; i-- {
		if roots[i] != nil {
			if i < nBase {
				return nil
			}
			return roots[i]
		}
	}
	return nil
}

// opaquePaths lists the directories the user's layers mark opaque.
func opaquePaths(im *layers.Image, nBase int) map[string]bool {
	out := map[string]bool{}
	for _, l := range im.Layers[nBase:] {
		for i := range l.Entries {
			if e := &l.Entries[i]; e.Opaque {
				out[e.Path] = true
			}
		}
	}
	return out
}
