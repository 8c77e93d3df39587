package report

import (
	"encoding/json"
	"io"
	"strconv"

	"github.com/shipshape-dev/shipshape/lint"
)

// GitLab Code Quality report: the subset of the Code Climate format that
// GitLab reads (docs.gitlab.com/ci/testing/code_quality).
type gitlabIssue struct {
	Description string         `json:"description"`
	CheckName   string         `json:"check_name"`
	Fingerprint string         `json:"fingerprint"`
	Severity    string         `json:"severity"`
	Location    gitlabLocation `json:"location"`
}

type gitlabLocation struct {
	Path  string      `json:"path"`
	Lines gitlabLines `json:"lines"`
}

type gitlabLines struct {
	Begin int `json:"begin"`
}

func writeGitLab(w io.Writer, r *Report, _ Options) error {
	issues := []gitlabIssue{} // GitLab wants [] for a clean run, not null
	for _, f := range r.Findings {
		p := slashPath(f.File)
		// GitLab matches issues between the base and head pipelines by
		// fingerprint, so it must not depend on anything but the finding; a
		// finding about a whole path (Line 0) quotes sizes that change with
		// every build, so its path alone identifies it.
		fp := fingerprint(f.Code, p, strconv.Itoa(f.Line), f.Message)
		if f.Line == 0 {
			fp = fingerprint(f.Code, p)
		}
		issues = append(issues, gitlabIssue{
			Description: f.Code + " " + f.Message,
			CheckName:   f.Code,
			Fingerprint: fp,
			Severity:    gitlabSeverity(f.Severity),
			Location:    gitlabLocation{Path: p, Lines: gitlabLines{Begin: max(f.Line, 1)}},
		})
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(issues)
}

// gitlabSeverity maps onto GitLab's info|minor|major|critical|blocker;
// "critical" and "blocker" are left for security scanners.
func gitlabSeverity(s lint.Severity) string {
	switch s {
	case lint.Error:
		return "major"
	case lint.Warning:
		return "minor"
	}
	return "info"
}
