package shell

import (
	"strings"

	"mvdan.cc/sh/v3/syntax"
)

// ExportedVars returns the names of the variables that src exports to the
// commands it runs: `export A=1`, `export A`, `declare -x A=1`. Code inside
// `sh -c '…'` strings is not read. Source that does not parse gives nil.
func ExportedVars(src string) []string {
	f, err := syntax.NewParser(syntax.Variant(syntax.LangBash)).Parse(strings.NewReader(src), "")
	if err != nil {
		return nil
	}
	var out []string
	syntax.Walk(f, func(n syntax.Node) bool {
		d, ok := n.(*syntax.DeclClause)
		if !ok || d.Variant == nil {
			return true
		}
		var names []string
		exports := d.Variant.Value == "export"
		for _, a := range d.Args {
			switch {
			case a.Name != nil:
				names = append(names, a.Name.Value)
			case a.Naked && a.Value != nil:
				lit := a.Value.Lit()
				if strings.HasPrefix(lit, "-") {
					exports = exports || strings.Contains(lit, "x")
				} else if lit != "" {
					names = append(names, lit)
				}
			}
		}
		if exports {
			out = append(out, names...)
		}
		return true
	})
	return out
}
