package report

import (
	"bytes"
	"encoding/json"
	"testing"
)

func stdQuote(s string) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s)
	return string(bytes.TrimSuffix(b.Bytes(), []byte("\n")))
}

// FuzzJSONString: the hand-written quoting gives encoding/json's bytes.
func FuzzJSONString(f *testing.F) {
	for _, s := range []string{"", "plain", "quote \" back \\ slash", "tab\tnl\ncr\r\x00\x1f\x7f", "<&>", "bad \xff\xfe utf8", "sep \u2028 \u2029", "emoji 🐳 ü"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := jsonString(s), stdQuote(s); got != want {
			t.Fatalf("jsonString(%q) = %s, encoding/json gives %s", s, got, want)
		}
	})
}
