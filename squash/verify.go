package squash

import (
	"context"
	"errors"
	"fmt"
	"hash/maphash"
	"io"
	"io/fs"
	"reflect"
	"strings"

	"golang.org/x/sync/errgroup"

	"github.com/shipshape-dev/shipshape/image"
	"github.com/shipshape-dev/shipshape/layers"
)

// ErrVerify is wrapped by the error Squash returns when the written image
// differs from what it should hold.
var ErrVerify = errors.New("verification failed")

// Verification says what was checked in the written image.
type Verification struct {
	Entries    int `json:"entries"`    // paths of the final filesystem compared
	Files      int `json:"files"`      // regular files whose content hashes were compared
	BaseBlobs  int `json:"baseBlobs"`  // base blobs re-read and checked against their digests
	NewEntries int `json:"newEntries"` // entries of the new layer read back
}

// contentSum fingerprints one file's content for verification. The bytes
// themselves are covered by sha256 twice over (the written tar's diffID,
// the blob's digest); per file, a seeded 64-bit hash catches a file copied
// wrong at a tenth of sha256's cost.
type contentSum = uint64

// contentSeed is the one seed of a process: sums compare within a run only.
var contentSeed = maphash.MakeSeed()

func newContentHash() *maphash.Hash {
	h := &maphash.Hash{}
	h.SetSeed(contentSeed)
	return h
}

// maxDiffs is how many differences a failed verification names.
const maxDiffs = 10

// verify opens the staged output and compares its final filesystem with
// the input's minus the removed paths, path by path: type, mode, owner,
// size, link target and content hash. Base blobs are re-read and checked
// against their digests rather than unpacked again: equal bytes hold equal
// files, which the input's own read already listed.
func verify(ctx context.Context, ref string, opts image.Options, t *tree, fin *layers.Merged, inHashes map[layers.Ref]contentSum, newLayer bool, parallel, maxEntries int) (*Verification, error) {
	out, err := image.Open(ctx, ref, opts)
	if err != nil {
		return nil, fmt.Errorf("%w: reopening the written image: %v", ErrVerify, err)
	}
	defer out.Close()
	want := t.nBase
	if newLayer {
		want++
	}
	if len(out.Layers) != want {
		return nil, fmt.Errorf("%w: the written image has %d layers, want %d", ErrVerify, len(out.Layers), want)
	}
	in := t.im.Source
	if err := sameConfig(in, out); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrVerify, err)
	}
	v := &Verification{}
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(max(parallel, 2)) // the new layer on one, base blobs one by one on the others
	var outHashes map[int]contentSum
	var newRead *layers.Layer
	if newLayer {
		g.Go(func() error {
			var err error
			newRead, outHashes, err = readBack(gctx, out.Layers[t.nBase], t.nBase, maxEntries)
			if err != nil {
				return fmt.Errorf("reading the new layer back: %w", err)
			}
			return nil
		})
	}
	for i := 0; i < t.nBase; i++ {
		il, ol := in.Layers[i], out.Layers[i]
		if il.Digest != ol.Digest || il.DiffID != ol.DiffID {
			return nil, fmt.Errorf("%w: base layer %d is %s (diffID %s) in the output, %s (diffID %s) in the input", ErrVerify, i, ol.Digest, ol.DiffID, il.Digest, il.DiffID)
		}
		g.Go(func() error {
			rc, err := ol.OpenBlob(gctx)
			if err != nil {
				return err
			}
			defer rc.Close()
			_, err = io.Copy(io.Discard, rc)
			return err
		})
	}
	if err := g.Wait(); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrVerify, err)
	}
	v.BaseBlobs = t.nBase
	outIm := &layers.Image{Layers: append(append([]*layers.Layer{}, t.im.Layers[:t.nBase]...), newRead)}
	if newRead == nil {
		outIm.Layers = outIm.Layers[:t.nBase]
	} else {
		v.NewEntries = len(newRead.Entries)
	}
	c := &comparer{t: t, fin: fin, inHashes: inHashes, outIm: outIm, outMerged: outIm.Merge(), outHashes: outHashes, newIndex: int32(t.nBase), v: v}
	c.run()
	if c.count > 0 {
		more := ""
		if c.count > len(c.diffs) {
			more = fmt.Sprintf("\n  … and %d more", c.count-len(c.diffs))
		}
		return v, fmt.Errorf("%w: the written image differs from the input in %d places:\n  %s%s", ErrVerify, c.count, strings.Join(c.diffs, "\n  "), more)
	}
	return v, nil
}

// sameConfig checks what the squash must not change in the config.
func sameConfig(in, out *image.Image) error {
	if !reflect.DeepEqual(in.Config.Config, out.Config.Config) {
		return fmt.Errorf("the runtime config (Env, Entrypoint, Cmd, …) differs from the input's")
	}
	if in.Config.OS != out.Config.OS || in.Config.Architecture != out.Config.Architecture || in.Config.Variant != out.Config.Variant {
		return fmt.Errorf("the platform is %s, the input's %s", out.Platform, in.Platform)
	}
	return nil
}

// comparer walks the expected and the written filesystems side by side.
type comparer struct {
	t         *tree
	fin       *layers.Merged
	inHashes  map[layers.Ref]contentSum
	outIm     *layers.Image
	outMerged *layers.Merged
	outHashes map[int]contentSum
	newIndex  int32
	v         *Verification
	diffs     []string
	count     int
}

// treeIter visits the live nodes of the tree depth first, names in byte
// order: the order layers.Merged.Walk visits paths in.
type treeIter struct{ stack []iterFrame }

type iterFrame struct {
	n   *tnode
	i   int
	dir string
}

func (it *treeIter) next() (string, layers.Ref, bool) {
	for len(it.stack) > 0 {
		f := &it.stack[len(it.stack)-1]
		if f.i >= len(f.n.kids) {
			it.stack = it.stack[:len(it.stack)-1]
			continue
		}
		k := f.n.kids[f.i]
		f.i++
		if !k.alive() {
			continue
		}
		p := join(f.dir, k.name)
		it.stack = append(it.stack, iterFrame{n: k, dir: p})
		return p, k.fin, true
	}
	return "", layers.NoRef, false
}

func (c *comparer) run() {
	it := &treeIter{stack: []iterFrame{{n: c.t.root}}}
	wp, wr, ok := it.next()
	advance := func() {
		c.v.Entries++
		wp, wr, ok = it.next()
	}
	_ = c.outMerged.Walk(func(p string, ref layers.Ref) error {
		for ok && treeLess(wp, p) {
			c.diff("/%s: missing from the output", wp)
			advance()
		}
		if ok && wp == p {
			c.compare(p, wr, ref)
			advance()
			return nil
		}
		c.diff("/%s: in the output but not in the input (or removed)", p)
		return nil
	})
	for ok {
		c.diff("/%s: missing from the output", wp)
		advance()
	}
}

func (c *comparer) diff(format string, args ...any) {
	c.count++
	if len(c.diffs) < maxDiffs {
		c.diffs = append(c.diffs, fmt.Sprintf(format, args...))
	}
}

// view is what a path holds, hard links followed to their content.
type view struct {
	implicit bool
	kind     layers.Kind
	mode     fs.FileMode
	uid, gid int32
	size     int64
	link     string
	content  layers.Ref
}

func viewOf(im *layers.Image, m *layers.Merged, ref layers.Ref) view {
	if ref == layers.NoRef {
		return view{implicit: true, kind: layers.Dir}
	}
	e := im.Entry(ref)
	if e.Kind == layers.Hardlink {
		if t, ok := m.LinkTargets[ref]; ok {
			ref, e = t, im.Entry(t)
		}
	}
	v := view{kind: e.Kind, mode: e.Mode & (fs.ModePerm | fs.ModeSetuid | fs.ModeSetgid | fs.ModeSticky), uid: e.UID, gid: e.GID, content: ref}
	switch e.Kind {
	case layers.Regular:
		v.size = e.Size
	case layers.Symlink, layers.Hardlink:
		v.link = e.Link
	}
	return v
}

func (c *comparer) compare(p string, inRef, outRef layers.Ref) {
	a := viewOf(c.t.im, c.fin, inRef)
	b := viewOf(c.outIm, c.outMerged, outRef)
	if a.implicit || b.implicit {
		if a.kind != b.kind {
			c.diff("/%s: %s in the input, %s in the output", p, a.kind, b.kind)
		}
		return
	}
	switch {
	case a.kind != b.kind:
		c.diff("/%s: %s in the input, %s in the output", p, a.kind, b.kind)
	case a.mode != b.mode:
		c.diff("/%s: mode %v in the input, %v in the output", p, a.mode, b.mode)
	case a.uid != b.uid || a.gid != b.gid:
		c.diff("/%s: owner %d:%d in the input, %d:%d in the output", p, a.uid, a.gid, b.uid, b.gid)
	case a.size != b.size:
		c.diff("/%s: %d bytes in the input, %d in the output", p, a.size, b.size)
	case a.link != b.link:
		c.diff("/%s: links to %q in the input, %q in the output", p, a.link, b.link)
	case a.kind == layers.Regular:
		c.compareContent(p, a.content, b.content)
	}
}

func (c *comparer) compareContent(p string, in, out layers.Ref) {
	if out.Layer != c.newIndex {
		if in != out {
			c.diff("/%s: the output keeps another base file's content", p)
		}
		return
	}
	c.v.Files++
	want, ok := c.inHashes[in]
	got, ok2 := c.outHashes[int(out.Entry)]
	switch {
	case !ok:
		c.diff("/%s: content was not read from the input", p)
	case !ok2:
		c.diff("/%s: content was not read back from the output", p)
	case want != got:
		c.diff("/%s: content differs (sum %016x in the input, %016x in the output)", p, want, got)
	}
}
