package squash

import (
	"archive/tar"
	"context"
	"fmt"
	"hash/maphash"
	"io"
	"strings"
	"time"

	"github.com/shipshape-dev/shipshape/image"
	"github.com/shipshape-dev/shipshape/layers"
)

// layerStats counts what the new layer holds.
type layerStats struct {
	Entries   int `json:"entries"`   // tar entries, markers included
	Whiteouts int `json:"whiteouts"` // base paths deleted
	Opaques   int `json:"opaques"`   // base directories emptied
	Links     int `json:"hardLinksRewritten"`
}

// streamer writes the new layer's tar: markers first, then the copied
// entries in the order the layers stream (parents hoisted before their
// children when a later layer holds the directory's final header).
type streamer struct {
	t          *tree
	p          *plan
	tw         *tar.Writer
	dirHeaders map[layers.Ref]*tar.Header
	root       *tar.Header // the root directory's own entry, when the user's layers set it
	mtime      time.Time
	hashes     map[layers.Ref]contentSum // content read, for verification; nil when off
	h          *maphash.Hash
	stats      layerStats
	buf        []byte
}

func (s *streamer) run(ctx context.Context, in *image.Image) error {
	if s.root != nil {
		if err := s.writeHeader(s.root, "."); err != nil {
			return err
		}
	}
	for _, m := range s.p.markers {
		if err := s.writeMarker(m); err != nil {
			return err
		}
	}
	for i := range s.t.im.Layers {
		if i < s.t.nBase && !s.p.streamBase[i] {
			continue
		}
		if err := s.streamLayer(ctx, in.Layers[i]); err != nil {
			return err
		}
	}
	return s.tw.Close()
}

func (s *streamer) writeMarker(m marker) error {
	name := parentOf(m.path)
	if m.opaque {
		name = join(m.path, ".wh..wh..opq")
		s.stats.Opaques++
	} else {
		name = join(name, ".wh."+baseOf(m.path))
		s.stats.Whiteouts++
	}
	if err := s.hoistParents(name); err != nil {
		return err
	}
	s.stats.Entries++
	return s.tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: name, Mode: 0o644, ModTime: s.mtime})
}

// hoistParents writes the headers of p's ancestors whose final entry is a
// directory of the user's layers not written yet.
func (s *streamer) hoistParents(p string) error {
	n := s.t.root
	done := ""
	for {
		name, rest, more := strings.Cut(p, "/")
		if !more {
			return nil
		}
		done = join(done, name)
		if n = n.kid(name); n == nil {
			return nil
		}
		if n.hoist && !n.emitted {
			h, ok := s.dirHeaders[n.fin]
			if !ok {
				return fmt.Errorf("no header kept for directory /%s", done)
			}
			if err := s.writeHeader(h, done); err != nil {
				return err
			}
			n.emitted = true
		}
		p = rest
	}
}

func (s *streamer) streamLayer(ctx context.Context, il *image.Layer) error {
	l := s.t.im.Layers[il.Index]
	rc, err := il.Open(ctx)
	if err != nil {
		return err
	}
	defer rc.Close()
	// Reading and checking the layer runs beside the copying.
	pipe := newChunkPipe(ctx, rc)
	defer pipe.stop()
	tr := tar.NewReader(pipe)
	idx := -1
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return fmt.Errorf("layer %d (%s): reading the tar again: %w", l.Index, l.Digest, err)
		}
		e, ok, err := layers.FromHeader(h)
		if err != nil {
			return fmt.Errorf("layer %d (%s): %w", l.Index, l.Digest, err)
		}
		if !ok {
			continue
		}
		idx++
		if idx >= len(l.Entries) || l.Entries[idx].Path != e.Path || l.Entries[idx].Kind != e.Kind {
			return fmt.Errorf("layer %d (%s): entry %q differs from the first read; the source changed while squashing", l.Index, l.Digest, h.Name)
		}
		ref := layers.Ref{Layer: int32(l.Index), Entry: int32(idx)}
		if err := s.entry(ref, &e, h, tr); err != nil {
			return fmt.Errorf("layer %d (%s): %s: %w", l.Index, l.Digest, e.Display(), err)
		}
	}
	if idx != len(l.Entries)-1 {
		return fmt.Errorf("layer %d (%s): %d entries where the first read found %d; the source changed while squashing", l.Index, l.Digest, idx+1, len(l.Entries))
	}
	// Read to the end: the stream checks the layer's digests there.
	if _, err := io.Copy(io.Discard, pipe); err != nil {
		return err
	}
	return nil
}

// entry copies one entry of a streamed layer when the plan says so.
func (s *streamer) entry(ref layers.Ref, e *layers.Entry, h *tar.Header, r io.Reader) error {
	if at, ok := s.p.materialise[ref]; ok {
		if err := s.hoistParents(at); err != nil {
			return err
		}
		s.stats.Links++
		return s.copyEntry(ref, h, at, r)
	}
	if int(ref.Layer) < s.t.nBase || !s.p.copy[ref.Layer][ref.Entry] {
		return nil
	}
	if e.Kind == layers.Dir {
		n := s.t.lookup(e.Path)
		if n == nil || n.emitted {
			return nil
		}
		n.emitted = true
	}
	if err := s.hoistParents(e.Path); err != nil {
		return err
	}
	if t, ok := s.p.retarget[ref]; ok {
		if t != h.Linkname {
			s.stats.Links++
		}
		h.Linkname = t
	}
	return s.copyEntry(ref, h, e.Path, r)
}

// copyEntry writes h under the name p, with the content r holds.
func (s *streamer) copyEntry(ref layers.Ref, h *tar.Header, p string, r io.Reader) error {
	if err := s.writeHeader(h, p); err != nil {
		return err
	}
	regular := h.Typeflag == tar.TypeReg || h.Typeflag == tar.TypeRegA || h.Typeflag == tar.TypeCont || h.Typeflag == tar.TypeGNUSparse
	if !regular {
		return nil
	}
	var w io.Writer = s.tw
	if s.hashes != nil {
		s.h.Reset()
		w = io.MultiWriter(s.tw, s.h)
	}
	if s.buf == nil {
		s.buf = make([]byte, 256<<10)
	}
	if _, err := io.CopyBuffer(w, io.LimitReader(r, h.Size), s.buf); err != nil {
		return err
	}
	if s.hashes != nil {
		s.hashes[ref] = s.h.Sum64()
	}
	return nil
}

// writeHeader writes a copy of h named p. Everything else the source
// header says (mode, owner, names, times, xattrs and other PAX records,
// device numbers) is kept.
func (s *streamer) writeHeader(h *tar.Header, p string) error {
	c := *h
	c.Name = p
	if c.Typeflag == tar.TypeDir {
		c.Name += "/"
	}
	switch c.Typeflag {
	case tar.TypeRegA, tar.TypeCont, tar.TypeGNUSparse:
		c.Typeflag = tar.TypeReg // the reader expanded a sparse file already
	}
	if c.Typeflag == tar.TypeLink || c.Typeflag == tar.TypeSymlink {
		if c.Typeflag == tar.TypeLink {
			c.Linkname = strings.TrimPrefix(c.Linkname, "/")
		}
	}
	if c.Format == tar.FormatUSTAR {
		c.Format = tar.FormatUnknown // a longer name may need PAX
	}
	s.stats.Entries++
	return s.tw.WriteHeader(&c)
}
