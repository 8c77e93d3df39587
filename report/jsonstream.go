package report

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
)

// objectStream writes one JSON object field by field, exactly as a
// json.Encoder with SetIndent("", "  ") and SetEscapeHTML(false) would write
// the whole value, but with big arrays written element by element: an
// inspection of an image with 10,000 deleted files has megabytes of dead
// paths, and no copy of the document is ever whole in memory.
type objectStream struct {
	w     *bufio.Writer
	buf   bytes.Buffer
	enc   *json.Encoder
	depth string // the indent of the current element's first line
	n     int
	err   error
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
