package shell

import (
	"strings"
	"testing"
)

func TestTopLevel(t *testing.T) {
	cases := map[string]string{
		"cd /a && make; make install":         "cd make make",
		"(cd /a && make) && ls":               "ls",
		"cd /a || exit 1":                     "cd",
		"true || cd /a":                       "true",
		"X=1; cd /a":                          "cd",
		"{ cd /a; make; } && ls":              "cd make ls",
		"if true; then cd /a; fi; ls":         "ls",
		"curl x | tar -x; cd /a &":            "",
		"echo $(cd /a && pwd)":                "echo",
		"set -eux\nexport A=1\ncd /a\nmake\n": "set export cd make",
		"this does not parse (":               "",
	}
	for src, want := range cases {
		at := func(off int) Pos { return Pos{Line: 1, Col: off + 1} }
		s, _ := Parse(src, at)
		pos, _ := TopLevel(src, at)
		var got []string
		for _, p := range pos {
			for _, c := range s.Commands {
				if c.Pos == p {
					got = append(got, c.Name)
					break
				}
			}
		}
		if g := strings.Join(got, " "); g != want || len(got) != len(pos) {
			t.Errorf("TopLevel(%q) = %q (%d positions), want %q", src, g, len(pos), want)
		}
	}
}
