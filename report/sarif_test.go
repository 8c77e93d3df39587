package report

import (
	"encoding/json"
	"testing"
)

func decodeSARIF(t *testing.T, r *Report) sarifLog {
	t.Helper()
	var log sarifLog
	if err := json.Unmarshal(render(t, "sarif", r, Options{}), &log); err != nil {
		t.Fatalf("decoding sarif: %v", err)
	}
	return log
}

func TestSARIFRuleIndex(t *testing.T) {
	run := decodeSARIF(t, fixture()).Runs[0]
	for _, res := range run.Results {
		if res.RuleIndex == nil {
			t.Fatalf("%s: no ruleIndex", res.RuleID)
		}
		if got := run.Tool.Driver.Rules[*res.RuleIndex].ID; got != res.RuleID {
			t.Errorf("%s: ruleIndex %d names %s", res.RuleID, *res.RuleIndex, got)
		}
	}
	r := fixture()
	r.Rules = nil // a finding of a rule outside the table must not claim index 0
	if res := decodeSARIF(t, r).Runs[0].Results[0]; res.RuleIndex != nil {
		t.Errorf("ruleIndex = %d for a rule not in the table", *res.RuleIndex)
	}
}

// Code scanning matches alerts across commits by fingerprint, so moving a
// finding to another line must keep it; a different message must not.
func TestSARIFFingerprint(t *testing.T) {
	fp := func(r *Report) string {
		return decodeSARIF(t, r).Runs[0].Results[0].PartialFingerprints[fingerprintK]
	}
	base := fp(fixture())
	moved := fixture()
	moved.Findings[0].Line, moved.Findings[0].EndLine = 7, 7
	if fp(moved) != base {
		t.Error("fingerprint changed with the line")
	}
	reworded := fixture()
	reworded.Findings[0].Message = "other"
	if fp(reworded) == base {
		t.Error("fingerprint ignores the message")
	}
}

func TestSARIFColumns(t *testing.T) {
	// "José" puts a two-byte rune before the finding: byte column 26 is
	// UTF-16 column 25.
	res := decodeSARIF(t, fixture()).Runs[0].Results[5]
	if reg := res.Locations[0].PhysicalLocation.Region; reg.StartColumn != 25 || reg.EndColumn != 34 {
		t.Errorf("region columns = %d..%d, want 25..34", reg.StartColumn, reg.EndColumn)
	}
}

func TestSARIFArtifact(t *testing.T) {
	tests := []struct{ name, uri, base string }{
		{"Dockerfile", "Dockerfile", sarifRoot},
		{"./a/b/Dockerfile", "a/b/Dockerfile", sarifRoot},
		{"<stdin>", "%3Cstdin%3E", sarifRoot},
		{"my dir/Dockerfile", "my%20dir/Dockerfile", sarifRoot},
		{"c:x/Dockerfile", "./c:x/Dockerfile", sarifRoot},
		{"/abs/Dockerfile", "file:///abs/Dockerfile", ""},
	}
	for _, tt := range tests {
		if got := artifact(tt.name); got.URI != tt.uri || got.URIBaseID != tt.base {
			t.Errorf("artifact(%q) = %q %q, want %q %q", tt.name, got.URI, got.URIBaseID, tt.uri, tt.base)
		}
	}
}
