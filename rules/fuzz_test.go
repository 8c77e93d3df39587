package rules

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/txtar"
	"github.com/shipshape-dev/shipshape/lint"
)

// FuzzLint runs every rule over arbitrary input: nothing may panic (the engine
// would turn a panic into an "internal error" finding, which fails here) and
// every finding must point inside the file.
func FuzzLint(f *testing.F) {
	for _, r := range All() {
		f.Add([]byte(r.Bad))
		f.Add([]byte(r.Good))
	}
	cases, _ := filepath.Glob("*.txtar")
	for _, c := range cases {
		if a, err := txtar.ParseFile(c); err == nil {
			for _, file := range a.Files {
				if strings.HasSuffix(file.Name, "/Dockerfile") {
					f.Add(file.Data)
				}
			}
		}
	}
	examples, _ := filepath.Glob("../examples/*/Dockerfile")
	for _, e := range examples {
		if data, err := os.ReadFile(e); err == nil {
			f.Add(data)
		}
	}
	all := All()
	cfg := &lint.Config{Enable: []string{"*"}}
	f.Fuzz(func(t *testing.T, src []byte) {
		res := (&lint.Linter{Rules: all, Config: cfg}).Lint("Dockerfile", src)
		lines := strings.Count(string(src), "\n") + 1
		for _, fd := range res.Findings {
			if strings.HasPrefix(fd.Message, "internal error") {
				t.Fatalf("%s", fd.Message)
			}
			if fd.Line < 1 || fd.Line > lines || fd.Column < 1 {
				t.Fatalf("finding outside the file (%d lines): %s", lines, fd)
			}
		}
		if fixed, n := lint.ApplyFixes(src, res.Findings); n > 0 {
			_ = (&lint.Linter{Rules: all, Config: cfg}).Lint("Dockerfile", fixed)
		}
	})
}
