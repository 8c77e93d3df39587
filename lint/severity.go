package lint

import (
	"fmt"
	"strings"
)

// Severity orders findings; a lower value is more severe.
type Severity int

// Severities, most severe first. None is only meaningful as a failure threshold.
const (
	Error Severity = iota
	Warning
	Info
	Style
	None
)

var severityNames = [...]string{"error", "warning", "info", "style", "none"}

func (s Severity) String() string {
	if s < 0 || int(s) >= len(severityNames) {
		return "unknown"
	}
	return severityNames[s]
}

// ParseSeverity reads a severity name as used in flags and configuration.
// hadolint's "ignore" is accepted as None.
func ParseSeverity(s string) (Severity, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "error":
		return Error, nil
	case "warning", "warn":
		return Warning, nil
	case "info":
		return Info, nil
	case "style":
		return Style, nil
	case "none", "ignore", "off":
		return None, nil
	}
	return None, fmt.Errorf("unknown severity %q: want error, warning, info, style or none", s)
}

// MarshalText writes the severity name.
func (s Severity) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText reads a severity name.
func (s *Severity) UnmarshalText(b []byte) error {
	v, err := ParseSeverity(string(b))
	*s = v
	return err
}

// AtLeast reports whether s is as severe as t or more.
func (s Severity) AtLeast(t Severity) bool { return s <= t }
