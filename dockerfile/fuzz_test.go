package dockerfile

import (
	"testing"
)

// FuzzParse checks that no input panics the parser and that every position it
// reports lies inside the file.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"FROM debian:12\nRUN apt-get update \\\n # c\n && apt-get install -y curl\n",
		"# escape=`\nFROM x\nRUN a `\n b\n",
		"FROM a AS b\nCOPY <<EOF /x\nhi\nEOF\nONBUILD RUN --mount=type=cache,target=/c x\n",
		"ARG V=1\nFROM img:${V}\nEXPOSE ${P:-80}/tcp\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		file, _, err := Parse("Dockerfile", src)
		if err != nil {
			return
		}
		n := len(file.Lines)
		for _, in := range file.Instructions {
			if in.Range.Start.Line < 1 || in.Range.Start.Line > n || in.Range.End.Line > n {
				t.Fatalf("range %v outside %d lines", in.Range, n)
			}
			for i := range in.Args.S {
				if p := in.Args.PosAt(i); p.Line < 1 || p.Line > n {
					t.Fatalf("offset %d at %v outside %d lines", i, p, n)
				}
			}
		}
	})
}
