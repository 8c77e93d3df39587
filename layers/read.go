package layers

import (
	"archive/tar"
	"context"

	"fmt"
	"io"
	"path"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/shipshape-dev/shipshape/image"
)

// DefaultMaxEntries bounds the records kept for one image (about 120 bytes
// each, so the default holds memory near 150 MB); Options.MaxEntries raises it.
const DefaultMaxEntries = 1_000_000

// Options tune Read. The zero value is ready to use.
type Options struct {
	// Parallel is how many layers are read at once; 0 means one per CPU.
	Parallel int
	// MaxEntries stops the read with an error once the layers together hold
	// more entries; 0 means DefaultMaxEntries.
	MaxEntries int
	// Progress, when set, is called after every layer is read (from the
	// reading goroutines, one call at a time).
	Progress func(Progress)
	// Visit, when set, sees every regular file while its layer streams: r
	// holds the content and may be read (or not). It runs concurrently for
	// different layers. An error stops the read.
	Visit func(l *Layer, e *Entry, r io.Reader) error
	// Header, when set, sees the tar header of every entry as its layer
	// streams, with the entry's index in Layer.Entries, for callers that
	// need what Entry leaves out (times, xattrs, names); index is -1 for
	// an entry naming the root directory itself (kaniko writes one), which
	// Entries does not hold. It runs concurrently for different layers.
	// An error stops the read.
	Header func(l *Layer, index int, h *tar.Header) error
}

// Progress says how far Read has come.
type Progress struct {
	LayersDone, Layers int
	Bytes              int64 // uncompressed tar bytes read so far
}

// Image is an image taken apart: every layer's entries and the history that
// made them.
type Image struct {
	Source  *image.Image
	Layers  []*Layer
	History []History // every history entry of the config, empty layers included
}

// Layer is one layer's records.
type Layer struct {
	Index          int
	Digest         string // blob digest as stored or pulled
	DiffID         string
	MediaType      string
	CompressedSize int64 // blob size: what a pull downloads
	TarSize        int64 // bytes of the uncompressed tar stream
	History        *History
	Entries        []Entry
}

// ContentSize is the sum of the sizes of the layer's regular files.
func (l *Layer) ContentSize() int64 {
	var n int64
	for i := range l.Entries {
		if e := &l.Entries[i]; e.Kind == Regular && !e.IsMarker() {
			n += e.Size
		}
	}
	return n
}

// Files counts the layer's entries that are not markers.
func (l *Layer) Files() int {
	n := 0
	for i := range l.Entries {
		if !l.Entries[i].IsMarker() {
			n++
		}
	}
	return n
}

// Read streams every layer of img once (in parallel) and returns their
// records aligned with the history.
func Read(ctx context.Context, img *image.Image, opts Options) (*Image, error) {
	if opts.Parallel <= 0 {
		opts.Parallel = runtime.GOMAXPROCS(0)
	}
	if opts.MaxEntries <= 0 {
		opts.MaxEntries = DefaultMaxEntries
	}
	out := &Image{Source: img, Layers: make([]*Layer, len(img.Layers))}
	for i, il := range img.Layers {
		out.Layers[i] = &Layer{Index: i, Digest: il.Digest, DiffID: il.DiffID, MediaType: il.MediaType, CompressedSize: il.Size}
	}
	out.History = alignHistory(img.Config, out.Layers)

	var (
		entries atomic.Int64
		bytes   atomic.Int64
		mu      sync.Mutex
		done    int
	)
	err := img.EachLayer(ctx, opts.Parallel, func(il *image.Layer, r io.Reader) error {
		l := out.Layers[il.Index]
		cr := &countingReader{r: r}
		if err := readLayer(ctx, l, cr, &entries, &opts); err != nil {
			return err
		}
		// The tar's end-of-archive padding belongs to the stream too.
		if _, err := io.Copy(io.Discard, cr); err != nil {
			return layerErr(l, err)
		}
		l.TarSize = cr.n
		if opts.Progress != nil {
			mu.Lock()
			done++
			opts.Progress(Progress{LayersDone: done, Layers: len(out.Layers), Bytes: bytes.Add(cr.n)})
			mu.Unlock()
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

func layerErr(l *Layer, err error) error {
	return fmt.Errorf("layer %d (%s): %w", l.Index, shortDigest(l.Digest), err)
}

func shortDigest(d string) string {
	if len(d) > 19 {
		return d[:19]
	}
	return d
}

// readLayer records the entries of one layer tar.
func readLayer(ctx context.Context, l *Layer, r io.Reader, total *atomic.Int64, opts *Options) error {
	tr := tar.NewReader(r)
	last := ""
	for n := 0; ; n++ {
		if n&1023 == 0 && ctx.Err() != nil {
			return ctx.Err()
		}
		h, err := tr.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			if last != "" {
				return layerErr(l, fmt.Errorf("reading the layer tar after entry %q: %w", last, err))
			}
			return layerErr(l, fmt.Errorf("reading the layer tar: %w", err))
		}
		last = h.Name
		e, ok, err := entryOf(h)
		if err != nil {
			return layerErr(l, err)
		}
		if !ok {
			if opts.Header != nil && h.Typeflag == tar.TypeDir && e.Path == "" {
				if err := opts.Header(l, -1, h); err != nil {
					return layerErr(l, err)
				}
			}
			continue
		}
		if total.Add(1) > int64(opts.MaxEntries) {
			return layerErr(l, fmt.Errorf("the image holds more than %d entries, the limit that keeps memory bounded; raise it with --max-entries", opts.MaxEntries))
		}
		l.Entries = append(l.Entries, e)
		if opts.Header != nil {
			if err := opts.Header(l, len(l.Entries)-1, h); err != nil {
				return layerErr(l, err)
			}
		}
		if opts.Visit != nil && e.Kind == Regular && !e.IsMarker() {
			if err := opts.Visit(l, &l.Entries[len(l.Entries)-1], tr); err != nil {
				return layerErr(l, err)
			}
		}
	}
}

// FromHeader is the entry Read makes of a tar header; ok is false for the
// headers Read skips (the root, global PAX headers, aufs metadata), so a
// second pass over a layer can count its way to the same indexes.
func FromHeader(h *tar.Header) (e Entry, ok bool, err error) { return entryOf(h) }

// entryOf turns a tar header into an entry; ok is false for headers that are
// not filesystem content (the root itself, global PAX headers, aufs metadata).
func entryOf(h *tar.Header) (e Entry, ok bool, err error) {
	if h.Typeflag == tar.TypeXGlobalHeader {
		return e, false, nil
	}
	p, err := cleanName(h.Name)
	if err != nil {
		return e, false, err
	}
	if p == "" {
		return e, false, nil
	}
	e = Entry{Path: p, Size: h.Size, Mode: h.FileInfo().Mode(), UID: int32(h.Uid), GID: int32(h.Gid)}
	switch h.Typeflag {
	case tar.TypeReg, tar.TypeRegA, tar.TypeGNUSparse, tar.TypeCont:
		e.Kind = Regular
	case tar.TypeDir:
		e.Kind = Dir
	case tar.TypeSymlink:
		e.Kind, e.Link = Symlink, h.Linkname
	case tar.TypeLink:
		e.Kind = Hardlink
		if e.Link, err = cleanName(h.Linkname); err != nil {
			return e, false, fmt.Errorf("hard link %q: %w", h.Name, err)
		}
	case tar.TypeChar:
		e.Kind = CharDevice
	case tar.TypeBlock:
		e.Kind = BlockDevice
	case tar.TypeFifo:
		e.Kind = FIFO
	default:
		e.Kind = Other
	}
	name := base(p)
	switch {
	case name == opaqueName:
		e.Opaque, e.Path = true, parent(p)
	case strings.HasPrefix(name, metaPrefix):
		return e, false, nil // aufs bookkeeping such as .wh..wh.plnk, not content
	case strings.HasPrefix(name, whiteoutPrefix):
		e.Whiteout, e.Path = true, join(parent(p), name[len(whiteoutPrefix):])
	}
	return e, true, nil
}

// cleanName makes a tar name relative and clean, and refuses names that
// would land outside the root.
func cleanName(name string) (string, error) {
	if strings.Trim(name, "/") == "" && name != "" {
		return "", nil // the root itself, which kaniko writes as "/"
	}
	if strings.HasPrefix(name, "/") {
		return "", fmt.Errorf("entry %q has an absolute name; layer tars hold paths relative to the root, so this archive was not written by an image builder", name)
	}
	p := path.Clean(name)
	if p == "." {
		return "", nil
	}
	if p == ".." || strings.HasPrefix(p, "../") {
		return "", fmt.Errorf("entry %q climbs out of the root with ../; refusing it, as every safe unpacker does", name)
	}
	return p, nil
}

type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}
