package report

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"strconv"

	"github.com/shipshape-dev/shipshape/analyze"
)

// objectStream writes one JSON object field by field, exactly as a
// json.Encoder with SetIndent("", "  ") and SetEscapeHTML(false) would write
// the whole value, but with big arrays written element by element: an
// inspection of an image with 10,000 deleted files has megabytes of dead
// paths, and no copy of the document is ever whole in memory.
type objectStream struct {
	w       *bufio.Writer
	buf     bytes.Buffer
	enc     *json.Encoder
	scratch [24]byte
	n       int
	err     error
}

func newObjectStream(w io.Writer) *objectStream {
	s := &objectStream{w: bufio.NewWriterSize(w, 64<<10)}
	s.enc = json.NewEncoder(&s.buf)
	s.enc.SetEscapeHTML(false)
	s.w.WriteString("{")
	return s
}

// encode writes v indented as if it were nested at prefix.
func (s *objectStream) encode(prefix string, v any) {
	if s.err != nil {
		return
	}
	s.buf.Reset()
	s.enc.SetIndent(prefix, "  ")
	if s.err = s.enc.Encode(v); s.err != nil {
		return
	}
	s.w.Write(bytes.TrimSuffix(s.buf.Bytes(), []byte("\n")))
}

func (s *objectStream) key(name string) {
	if s.n > 0 {
		s.w.WriteString(",")
	}
	s.n++
	s.w.WriteString("\n  ")
	s.encode("  ", name)
	s.w.WriteString(": ")
}

// field writes one member of the object.
func (s *objectStream) field(name string, v any) {
	s.key(name)
	s.encode("  ", v)
}

// array writes a member whose value is an array of n elements, made one at
// a time; a nil array (n < 0) is null, as encoding/json writes a nil slice.
func (s *objectStream) array(name string, n int, elem func(i int) any) {
	s.key(name)
	switch {
	case n < 0:
		s.w.WriteString("null")
		return
	case n == 0:
		s.w.WriteString("[]")
		return
	}
	s.w.WriteString("[")
	for i := range n {
		if i > 0 {
			s.w.WriteString(",")
		}
		s.w.WriteString("\n    ")
		s.encode("    ", elem(i))
	}
	s.w.WriteString("\n  ]")
}

// close ends the object, with the newline json.Encoder writes.
func (s *objectStream) close() error {
	if s.err != nil {
		return s.err
	}
	if s.n > 0 {
		s.w.WriteString("\n")
	}
	s.w.WriteString("}\n")
	return s.w.Flush()
}

// length is n, or -1 for a nil slice (written as null).
func length[T any](s []T) int {
	if s == nil {
		return -1
	}
	return len(s)
}

// deadPaths writes the dead paths member. It is the one array that runs to
// tens of thousands of elements, each naming the same few history entries,
// so it is written by hand: every distinct string is escaped once, and the
// bytes are those json.Encoder would write (TestDeadPathsMatchEncoder).
func (s *objectStream) deadPaths(name string, dps []analyze.DeadPath) {
	s.key(name)
	switch {
	case dps == nil:
		s.w.WriteString("null")
		return
	case len(dps) == 0:
		s.w.WriteString("[]")
		return
	}
	escaped := map[string][]byte{}
	str := func(v string) {
		if b, ok := escaped[v]; ok {
			s.w.Write(b)
			return
		}
		s.encode("", v)
		escaped[v] = bytes.Clone(bytes.TrimSuffix(s.buf.Bytes(), []byte("\n")))
	}
	num := func(v int64) { s.w.Write(strconv.AppendInt(s.scratch[:0], v, 10)) }
	attribution := func(a analyze.Attribution) {
		s.w.WriteString("{\n        \"layer\": ")
		num(int64(a.Layer))
		s.w.WriteString(",\n        \"createdBy\": ")
		str(a.CreatedBy)
		if a.File != "" {
			s.w.WriteString(",\n        \"file\": ")
			str(a.File)
		}
		if a.Line != 0 {
			s.w.WriteString(",\n        \"line\": ")
			num(int64(a.Line))
		}
		s.w.WriteString("\n      }")
	}
	s.w.WriteString("[")
	for i, d := range dps {
		if i > 0 {
			s.w.WriteString(",")
		}
		s.w.WriteString("\n    {\n      \"path\": ")
		s.encode("", d.Path)
		s.w.WriteString(",\n      \"bytes\": ")
		num(d.Bytes)
		s.w.WriteString(",\n      \"files\": ")
		num(int64(d.Files))
		s.w.WriteString(",\n      \"how\": ")
		str(d.How)
		s.w.WriteString(",\n      \"addedBy\": ")
		attribution(d.AddedBy)
		s.w.WriteString(",\n      \"removedBy\": ")
		attribution(d.RemovedBy)
		s.w.WriteString("\n    }")
	}
	s.w.WriteString("\n  ]")
}
