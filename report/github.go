package report

import (
	"bufio"
	"fmt"
	"io"
	"strings"

	"github.com/shipshape-dev/shipshape/lint"
)

// writeGitHub prints GitHub Actions workflow commands, which the runner turns
// into annotations on the pull request's diff.
func writeGitHub(w io.Writer, r *Report, _ Options) error {
	bw := bufio.NewWriter(w)
	for _, f := range r.Findings {
		title := f.Code
		if f.Name != "" {
			title += " " + f.Name
		}
		if f.Line == 0 { // about a whole path: a file-level annotation
			fmt.Fprintf(bw, "::%s file=%s,title=%s::%s\n", githubLevel(f.Severity), githubProperty(slashPath(f.File)),
				githubProperty(title), githubData(f.Message))
			continue
		}
		fmt.Fprintf(bw, "::%s file=%s,line=%d,col=%d,endLine=%d,endColumn=%d,title=%s::%s\n",
			githubLevel(f.Severity), githubProperty(slashPath(f.File)), f.Line, f.Column,
			max(f.EndLine, f.Line), f.EndColumn, githubProperty(title), githubData(f.Message))
	}
	return bw.Flush()
}

func githubLevel(s lint.Severity) string {
	switch s {
	case lint.Error:
		return "error"
	case lint.Warning:
		return "warning"
	}
	return "notice"
}

// githubData escapes a command's message as the runner's
// toolkit/core escapeData does; an unescaped newline would end the command.
var githubData = strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A").Replace

// githubProperty also escapes the separators of the property list.
var githubProperty = strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A", ":", "%3A", ",", "%2C").Replace
