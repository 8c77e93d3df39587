package dockerfile

import (
	"fmt"
	"sort"
	"strings"
)

// Pos is a 1-based line and byte column in the Dockerfile.
type Pos struct {
	Line int `json:"line"`
	Col  int `json:"column"`
}

func (p Pos) String() string { return fmt.Sprintf("%d:%d", p.Line, p.Col) }

// Before reports whether p comes strictly before q.
func (p Pos) Before(q Pos) bool {
	return p.Line < q.Line || (p.Line == q.Line && p.Col < q.Col)
}

// Range is a half-open span of source: End is the column just past the last byte.
type Range struct {
	Start Pos
	End   Pos
}

// Text is a string reassembled from pieces of the Dockerfile (continuation lines
// joined, comment lines dropped, heredoc bodies appended) that still knows where
// each of its bytes came from. The shell parser works on Text so that every word it
// finds maps back to a Dockerfile line and column.
type Text struct {
	S    string
	segs []segment // sorted by off; bytes inside a segment advance the column by one
}

type segment struct {
	off int
	pos Pos
}

// add appends s, whose first byte sits at p in the Dockerfile. For one piece
// only: building a Text piece by piece goes through textBuilder, which does not
// copy the string on every append.
func (t *Text) add(s string, p Pos) {
	if s == "" {
		return
	}
	t.segs = append(t.segs, segment{off: len(t.S), pos: p})
	t.S += s
}

// textBuilder assembles a Text from many pieces in linear time.
type textBuilder struct {
	b    strings.Builder
	segs []segment
}

func (tb *textBuilder) add(s string, p Pos) {
	if s == "" {
		return
	}
	tb.segs = append(tb.segs, segment{off: tb.b.Len(), pos: p})
	tb.b.WriteString(s)
}

func (tb *textBuilder) text() Text { return Text{S: tb.b.String(), segs: tb.segs} }

// PosAt maps a byte offset of t.S back to the Dockerfile.
func (t *Text) PosAt(off int) Pos {
	if len(t.segs) == 0 {
		return Pos{}
	}
	i := sort.Search(len(t.segs), func(i int) bool { return t.segs[i].off > off }) - 1
	if i < 0 {
		i = 0
	}
	s := t.segs[i]
	d := off - s.off
	if d < 0 {
		d = 0
	}
	return Pos{Line: s.pos.Line, Col: s.pos.Col + d}
}

// Slice returns the part of t from byte off on, keeping positions.
func (t *Text) Slice(off int) Text {
	if off <= 0 {
		return *t
	}
	if off >= len(t.S) {
		return Text{}
	}
	out := Text{}
	out.add(t.S[off:], t.PosAt(off))
	for _, s := range t.segs {
		if s.off > off {
			out.segs = append(out.segs, segment{off: s.off - off, pos: s.pos})
		}
	}
	return out
}
