package image

import (
	"archive/tar"
	"context"
	"errors"
	"fmt"
	"io"
	"path"
	"strings"
)

// maxArchiveEntries bounds the index of an image archive: real ones hold a
// few entries per layer, so this only stops hostile input from growing it.
const maxArchiveEntries = 1 << 20

// tarEntry is one member of an uncompressed tar file, located by offset so it
// can be read in place any number of times, concurrently.
type tarEntry struct {
	name     string
	typeflag byte
	link     string // symlink or hard link target
	offset   int64
	size     int64
}

// tarIndex locates every member of a tar file once; readers then get an
// io.SectionReader per member, so nothing is unpacked or held in memory.
type tarIndex struct {
	r       io.ReaderAt
	size    int64
	entries map[string]*tarEntry
	order   []*tarEntry // as stored
}

// seekCounter tells where the tar reader is: archive/tar reads headers
// exactly and skips member bodies by seeking, so after Next the position is
// the start of the member's body.
type seekCounter struct {
	r   *io.SectionReader
	pos int64
}

func (s *seekCounter) Read(p []byte) (int, error) {
	n, err := s.r.Read(p)
	s.pos += int64(n)
	return n, err
}

func (s *seekCounter) Seek(off int64, whence int) (int64, error) {
	p, err := s.r.Seek(off, whence)
	if err == nil {
		s.pos = p
	}
	return p, err
}

// indexTar reads the headers of the tar in r (size bytes long). It refuses a
// tar compressed as a whole, since members can then not be read in place.
func indexTar(r io.ReaderAt, size int64) (*tarIndex, error) {
	magic := make([]byte, 6)
	n, _ := r.ReadAt(magic, 0)
	if n == 0 {
		return nil, errors.New("file is empty")
	}
	if c, err := sniff(magic[:n]); err != nil || c != uncompressed {
		what := c.String()
		if err != nil {
			what = "compressed"
		}
		return nil, fmt.Errorf("archive is %s-compressed as a whole; decompress it first (shipshape reads archives in place)", what)
	}
	ix := &tarIndex{r: r, size: size, entries: map[string]*tarEntry{}}
	sc := &seekCounter{r: io.NewSectionReader(r, 0, size)}
	tr := tar.NewReader(sc)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			if len(ix.order) == 0 {
				return nil, fmt.Errorf("not a tar archive: %w", err)
			}
			return nil, fmt.Errorf("reading tar header after %q: %w", ix.order[len(ix.order)-1].name, err)
		}
		if len(ix.order) >= maxArchiveEntries {
			return nil, fmt.Errorf("archive has more than %d entries", maxArchiveEntries)
		}
		if h.Typeflag == tar.TypeGNUSparse || hasSparseRecords(h) {
			return nil, fmt.Errorf("entry %q is a sparse file, which image archives never hold", h.Name)
		}
		e := &tarEntry{name: cleanName(h.Name), typeflag: h.Typeflag, link: h.Linkname, offset: sc.pos}
		if h.Typeflag == tar.TypeReg || h.Typeflag == tar.TypeRegA {
			e.typeflag = tar.TypeReg
			e.size = h.Size
			if e.offset+e.size > size || e.size < 0 {
				return nil, fmt.Errorf("archive is truncated: entry %q needs %d bytes at offset %d, the file ends at %d", h.Name, h.Size, e.offset, size)
			}
		}
		ix.entries[e.name] = e // a later member of the same name wins, as on extraction
		ix.order = append(ix.order, e)
	}
	return ix, nil
}

func hasSparseRecords(h *tar.Header) bool {
	for k := range h.PAXRecords {
		if strings.HasPrefix(k, "GNU.sparse.") {
			return true
		}
	}
	return false
}

// cleanName makes member names comparable: "./a//b" and "a/b" are one file.
func cleanName(name string) string {
	name = path.Clean("/" + name)
	return strings.TrimPrefix(name, "/")
}

// errNotInArchive marks a member the archive does not hold.
var errNotInArchive = errors.New("not in the archive")

// lookup finds a regular file member, following the symlinks and hard links
// docker save writes for layers shared between images.
func (ix *tarIndex) lookup(name string) (*tarEntry, error) {
	want := cleanName(name)
	for hops := 0; hops < 16; hops++ {
		e, ok := ix.entries[want]
		if !ok {
			return nil, fmt.Errorf("%q: %w", name, errNotInArchive)
		}
		switch e.typeflag {
		case tar.TypeReg:
			return e, nil
		case tar.TypeSymlink:
			if path.IsAbs(e.link) {
				want = cleanName(e.link)
			} else {
				want = cleanName(path.Join(path.Dir(e.name), e.link))
			}
		case tar.TypeLink:
			want = cleanName(e.link)
		default:
			return nil, fmt.Errorf("%q is not a regular file in the archive", name)
		}
	}
	return nil, fmt.Errorf("%q: too many levels of links in the archive", name)
}

func (ix *tarIndex) has(name string) bool {
	_, ok := ix.entries[cleanName(name)]
	return ok
}

// openEntry returns a reader over a member's body.
func (ix *tarIndex) openEntry(_ context.Context, e *tarEntry) (io.ReadCloser, error) {
	return io.NopCloser(io.NewSectionReader(ix.r, e.offset, e.size)), nil
}

// peek returns the first bytes of a member, for sniffing its compression.
func (ix *tarIndex) peek(e *tarEntry) []byte {
	b := make([]byte, min(e.size, 8))
	n, _ := ix.r.ReadAt(b, e.offset)
	return b[:n]
}

// openFile serves an OCI layout held in the archive.
func (ix *tarIndex) openFile(name string) (io.ReadCloser, int64, error) {
	e, err := ix.lookup(name)
	if err != nil {
		return nil, 0, err
	}
	return io.NopCloser(io.NewSectionReader(ix.r, e.offset, e.size)), e.size, nil
}

// readSmall reads a whole member that must stay under limit bytes.
func (ix *tarIndex) readSmall(name string, limit int64) ([]byte, error) {
	e, err := ix.lookup(name)
	if err != nil {
		return nil, err
	}
	if e.size > limit {
		return nil, fmt.Errorf("%q is %d bytes, more than the %d allowed", name, e.size, limit)
	}
	b := make([]byte, e.size)
	if _, err := ix.r.ReadAt(b, e.offset); err != nil && !(err == io.EOF && len(b) == 0) {
		return nil, fmt.Errorf("reading %q: %w", name, err)
	}
	return b, nil
}
