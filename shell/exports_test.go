package shell

import (
	"strings"
	"testing"
)

func TestExportedVars(t *testing.T) {
	cases := map[string]string{
		"export PIP_NO_CACHE_DIR=1 && pip install x": "PIP_NO_CACHE_DIR",
		"set -eux; export A B=2; declare -x C=3":     "A B C",
		"declare D=4; local E=5; F=6 pip install x":  "",
		"if true; then export G=1; fi":               "G",
		"echo 'export H=1'":                          "",
		"this does not parse (":                      "",
	}
	for src, want := range cases {
		if got := strings.Join(ExportedVars(src), " "); got != want {
			t.Errorf("ExportedVars(%q) = %q, want %q", src, got, want)
		}
	}
}
