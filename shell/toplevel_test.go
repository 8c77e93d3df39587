package shell

import (
	"strings"
	"testing"
)

// Command.TopLevel marks the commands the shell itself runs in sequence.
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
		"declare -x A=1; B=2 cmd":             "declare cmd",
	}
	for src, want := range cases {
		at := func(off int) Pos { return Pos{Line: 1, Col: off + 1} }
		var got []string
		if s, err := Parse(src, at); err == nil {
			for _, c := range s.Commands {
				if c.TopLevel {
					got = append(got, c.Name)
				}
			}
		}
		if g := strings.Join(got, " "); g != want {
			t.Errorf("top-level commands of %q = %q, want %q", src, g, want)
		}
	}
}
