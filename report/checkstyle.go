package report

import (
	"encoding/xml"
	"io"
	"sort"

	"github.com/shipshape-dev/shipshape/lint"
)

// Checkstyle 4.3 is the dialect Jenkins' warnings-ng, reviewdog and most CI
// dashboards read.
type checkstyleReport struct {
	XMLName xml.Name         `xml:"checkstyle"`
	Version string           `xml:"version,attr"`
	Files   []checkstyleFile `xml:"file"`
}

type checkstyleFile struct {
	Name   string            `xml:"name,attr"`
	Errors []checkstyleError `xml:"error"`
}

type checkstyleError struct {
	Line     int    `xml:"line,attr"`
	Column   int    `xml:"column,attr"`
	Severity string `xml:"severity,attr"`
	Message  string `xml:"message,attr"`
	Source   string `xml:"source,attr"`
}

func writeCheckstyle(w io.Writer, r *Report, _ Options) error {
	byFile := map[string][]checkstyleError{}
	for _, f := range r.Findings {
		byFile[f.File] = append(byFile[f.File], checkstyleError{
			Line: f.Line, Column: f.Column, Severity: checkstyleSeverity(f.Severity),
			Message: f.Message, Source: "shipshape." + f.Code,
		})
	}
	out := checkstyleReport{Version: "4.3"}
	for name, errs := range byFile {
		out.Files = append(out.Files, checkstyleFile{Name: name, Errors: errs})
	}
	sort.Slice(out.Files, func(i, j int) bool { return out.Files[i].Name < out.Files[j].Name })
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	// encoding/xml escapes quotes, <, & and newlines (&#xA;) in attributes, so
	// a multi-line message survives attribute-value normalisation.
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(out); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}

// checkstyleSeverity maps onto checkstyle's levels; it has no "style".
func checkstyleSeverity(s lint.Severity) string {
	switch s {
	case lint.Error:
		return "error"
	case lint.Warning:
		return "warning"
	}
	return "info"
}
