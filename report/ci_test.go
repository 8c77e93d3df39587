package report

import (
	"bufio"
	"bytes"
	"encoding/json"
	"encoding/xml"
	"regexp"
	"strings"
	"testing"
)

// Messages must survive each format's escaping: decode the output with the
// consumer's rules and compare with the findings.

func TestCheckstyleRoundTrip(t *testing.T) {
	var got checkstyleReport
	if err := xml.Unmarshal(render(t, "checkstyle", fixture(), Options{}), &got); err != nil {
		t.Fatalf("parsing checkstyle: %v", err)
	}
	var msgs []string
	for _, f := range got.Files {
		for _, e := range f.Errors {
			msgs = append(msgs, e.Message)
		}
	}
	for i, f := range fixture().Findings {
		if i >= len(msgs) || msgs[i] != f.Message {
			t.Errorf("finding %d: message did not survive XML escaping", i)
		}
	}
}

func TestGitLabFingerprints(t *testing.T) {
	var issues []gitlabIssue
	if err := json.Unmarshal(render(t, "gitlab", fixture(), Options{}), &issues); err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	hex := regexp.MustCompile(`^[0-9a-f]{64}$`)
	for _, is := range issues {
		if !hex.MatchString(is.Fingerprint) || seen[is.Fingerprint] {
			t.Errorf("fingerprint %q is not a unique sha256 hex", is.Fingerprint)
		}
		seen[is.Fingerprint] = true
	}
}

// unescapeGitHub reverses the runner's escaping.
var unescapeGitHub = strings.NewReplacer("%25", "%", "%0D", "\r", "%0A", "\n", "%3A", ":", "%2C", ",").Replace

func TestGitHubCommands(t *testing.T) {
	cmd := regexp.MustCompile(`^::(error|warning|notice) ((?:[a-zA-Z]+=[^,:]*,?)+)::(.*)$`)
	r := fixture()
	r.Findings[0].File = "a,b:c/Dockerfile" // separators in a property value
	sc := bufio.NewScanner(bytes.NewReader(render(t, "github", r, Options{})))
	i := 0
	for ; sc.Scan(); i++ {
		m := cmd.FindStringSubmatch(sc.Text())
		if m == nil {
			t.Fatalf("line %d is no workflow command: %q", i+1, sc.Text())
		}
		f := r.Findings[i]
		if got := unescapeGitHub(m[3]); got != f.Message {
			t.Errorf("message %d = %q, want %q", i, got, f.Message)
		}
		props := map[string]string{}
		for _, kv := range strings.Split(m[2], ",") {
			k, v, _ := strings.Cut(kv, "=")
			props[k] = unescapeGitHub(v)
		}
		if props["file"] != f.File || props["title"] != f.Code+" "+f.Name {
			t.Errorf("command %d: properties %v", i, props)
		}
	}
	if i != len(r.Findings) {
		t.Errorf("%d commands for %d findings", i, len(r.Findings))
	}
}
