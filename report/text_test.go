package report

import (
	"strings"
	"testing"

	"github.com/shipshape-dev/shipshape/lint"
)

func TestTextColor(t *testing.T) {
	out := string(render(t, "text", fixture(), Options{Color: true}))
	for _, want := range []string{
		"\x1b[31merror" + ansiReset,
		"\x1b[33mwarning" + ansiReset,
		"\x1b[34minfo" + ansiReset,
		"\x1b[36mstyle" + ansiReset,
		ansiBold + "DF101 (pin-base-image)" + ansiReset,
		"\x1b[31m^~~~",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("colour output lacks %q:\n%s", want, out)
		}
	}
	plain := string(render(t, "text", fixture(), Options{}))
	if strings.Contains(plain, "\x1b[") {
		t.Errorf("plain output contains ANSI codes:\n%s", plain)
	}
}

func TestCaret(t *testing.T) {
	tests := []struct {
		src                      string
		line, col, endLine, endC int
		want                     string
	}{
		{"RUN apt-get update", 1, 5, 1, 19, "    ^~~~~~~~~~~~~~"},
		{"\t&& rm -rf x", 1, 5, 1, 13, "\t   ^~~~~~~~"},
		{"FROM x", 1, 6, 1, 6, "     ^"},           // a point
		{"FROM x", 1, 9, 1, 12, "      ^"},         // past the end: clamped
		{"RUN a \\", 1, 5, 2, 3, "    ^~~"},        // runs on: underline to line end
		{`L="José" v`, 1, 11, 1, 12, "         ^"}, // one space per rune before
		{"a\tb", 1, 1, 1, 4, "^\t~"},
	}
	for _, tt := range tests {
		f := lint.Finding{Line: tt.line, Column: tt.col, EndLine: tt.endLine, EndColumn: tt.endC}
		if got := caret(tt.src, f); got != tt.want {
			t.Errorf("caret(%q, %d..%d) = %q, want %q", tt.src, tt.col, tt.endC, got, tt.want)
		}
	}
}

func TestSummary(t *testing.T) {
	if got, want := summary(&Report{Files: 1}), "no findings in 1 file"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	want := "6 findings (1 error, 2 warnings, 2 info, 1 style) in 2 files"
	if got := summary(fixture()); got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}
