package lint

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"gopkg.in/yaml.v3"
)

// ConfigNames are the files searched for, in order of preference, from a
// Dockerfile's directory up to the repository root.
var ConfigNames = []string{".shipshape.yaml", ".shipshape.yml", ".hadolint.yaml", ".hadolint.yml"}

// Config is the user's configuration: `.shipshape.yaml`, or a `.hadolint.yaml`
// read with hadolint's meaning.
type Config struct {
	Path              string               `yaml:"-"`
	FailureThreshold  *Severity            `yaml:"failure-threshold"`
	Enable            []string             `yaml:"enable"`
	Disable           []string             `yaml:"disable"`
	Severity          map[string]Severity  `yaml:"severity"`
	TrustedRegistries []string             `yaml:"trusted-registries"`
	Options           map[string]yaml.Node `yaml:"options"`
	Overrides         []Override           `yaml:"overrides"`
}

// Override applies to the files matching one of its globs (relative to the config's directory).
type Override struct {
	Files    []string            `yaml:"files"`
	Enable   []string            `yaml:"enable"`
	Disable  []string            `yaml:"disable"`
	Severity map[string]Severity `yaml:"severity"`
}

// hadolintConfig is the part of hadolint's configuration that carries over.
type hadolintConfig struct {
	Ignored           []string            `yaml:"ignored"`
	Override          map[string][]string `yaml:"override"`
	TrustedRegistries []string            `yaml:"trustedRegistries"`
	FailureThreshold  string              `yaml:"failure-threshold"`
}

// LoadConfig reads a configuration file; the name decides the dialect.
func LoadConfig(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading config %q: %w", path, err)
	}
	if strings.HasPrefix(filepath.Base(path), ".hadolint") {
		c, err := parseHadolintConfig(data)
		if err != nil {
			return nil, fmt.Errorf("reading config %q: %w", path, err)
		}
		c.Path = path
		return c, nil
	}
	c := &Config{}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(c); err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("reading config %q: %w", path, err)
	}
	c.Path = path
	return c, nil
}

func parseHadolintConfig(data []byte) (*Config, error) {
	var h hadolintConfig
	if err := yaml.Unmarshal(data, &h); err != nil {
		return nil, err
	}
	c := &Config{Disable: h.Ignored, TrustedRegistries: h.TrustedRegistries, Severity: map[string]Severity{}}
	for sev, codes := range h.Override {
		s, err := ParseSeverity(sev)
		if err != nil {
			return nil, fmt.Errorf("override: %w", err)
		}
		for _, code := range codes {
			c.Severity[code] = s
		}
	}
	if h.FailureThreshold != "" {
		s, err := ParseSeverity(h.FailureThreshold)
		if err != nil {
			return nil, fmt.Errorf("failure-threshold: %w", err)
		}
		c.FailureThreshold = &s
	}
	return c, nil
}

// FindConfig looks for a configuration file from dir up to the repository root
// (the first directory holding .git) or the filesystem root. It returns "" when
// there is none.
func FindConfig(dir string) (string, error) {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	for {
		for _, n := range ConfigNames {
			p := filepath.Join(dir, n)
			if st, err := os.Stat(p); err == nil && !st.IsDir() {
				return p, nil
			} else if err != nil && !errors.Is(err, fs.ErrNotExist) {
				return "", fmt.Errorf("looking for config: %w", err)
			}
		}
		if _, err := os.Stat(filepath.Join(dir, ".git")); err == nil {
			return "", nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", nil
		}
		dir = parent
	}
}

// Validate checks that every code, name or glob in the configuration names a rule.
func (c *Config) Validate(rules []*Rule) error {
	check := func(where, s string) error {
		for _, r := range rules {
			if r.Matches(s) {
				return nil
			}
		}
		if strings.HasPrefix(strings.ToUpper(s), "DL") || strings.HasPrefix(strings.ToUpper(s), "SC") {
			return nil // hadolint codes shipshape has no rule for: nothing to do
		}
		return fmt.Errorf("%s: %q names no rule (see `shipshape rules`)", where, s)
	}
	var errs []error
	lists := map[string][]string{"enable": c.Enable, "disable": c.Disable}
	for where, l := range lists {
		for _, s := range l {
			errs = append(errs, check(where, s))
		}
	}
	for s := range c.Severity {
		errs = append(errs, check("severity", s))
	}
	for s := range c.Options {
		errs = append(errs, check("options", s))
	}
	for i, o := range c.Overrides {
		if len(o.Files) == 0 {
			errs = append(errs, fmt.Errorf("overrides[%d]: no files", i))
		}
		for _, g := range o.Files {
			if _, err := filepath.Match(g, ""); err != nil {
				errs = append(errs, fmt.Errorf("overrides[%d]: bad glob %q: %w", i, g, err))
			}
		}
		for _, s := range append(append([]string{}, o.Enable...), o.Disable...) {
			errs = append(errs, check(fmt.Sprintf("overrides[%d]", i), s))
		}
	}
	if err := errors.Join(errs...); err != nil {
		if c.Path != "" {
			return fmt.Errorf("config %q: %w", c.Path, err)
		}
		return err
	}
	return nil
}

// Effective is the configuration as it applies to one file.
type Effective struct {
	c    *Config
	over []Override
}

// For returns the configuration in force for the Dockerfile at name.
func (c *Config) For(name string) Effective {
	e := Effective{c: c}
	rel := filepath.ToSlash(name)
	if c.Path != "" {
		if abs, err := filepath.Abs(name); err == nil {
			if r, err := filepath.Rel(filepath.Dir(c.Path), abs); err == nil {
				rel = filepath.ToSlash(r)
			}
		}
	}
	for _, o := range c.Overrides {
		for _, g := range o.Files {
			if globMatchPath(g, rel) {
				e.over = append(e.over, o)
				break
			}
		}
	}
	return e
}

// globMatchPath matches a slash path against a glob where `**` spans directories.
func globMatchPath(glob, p string) bool {
	if !strings.Contains(glob, "**") {
		return globMatch(glob, p) || globMatch(glob, filepath.Base(p))
	}
	prefix, suffix, _ := strings.Cut(glob, "**")
	prefix = strings.TrimSuffix(prefix, "/")
	suffix = strings.TrimPrefix(suffix, "/")
	if prefix != "" && !strings.HasPrefix(p, prefix+"/") {
		return false
	}
	if suffix == "" {
		return true
	}
	parts := strings.Split(p, "/")
	for i := range parts {
		if globMatchPath(suffix, strings.Join(parts[i:], "/")) {
			return true
		}
	}
	return false
}

func anyMatch(r *Rule, list []string) bool {
	for _, s := range list {
		if r.Matches(s) {
			return true
		}
	}
	return false
}

// Enabled reports whether r runs on this file.
func (e Effective) Enabled(r *Rule) bool {
	on := !r.Disabled
	if anyMatch(r, e.c.Enable) {
		on = true
	}
	if anyMatch(r, e.c.Disable) {
		on = false
	}
	if _, ok := e.severityOf(r); ok {
		on = true // naming a severity for a rule turns it on, as in hadolint
	}
	for _, o := range e.over {
		if anyMatch(r, o.Enable) {
			on = true
		}
		if anyMatch(r, o.Disable) {
			on = false
		}
	}
	if s, ok := e.severityOf(r); ok && s == None {
		on = false
	}
	return on
}

func (e Effective) severityOf(r *Rule) (Severity, bool) {
	s, found := Severity(0), false
	for k, v := range e.c.Severity {
		if r.Matches(k) {
			s, found = v, true
		}
	}
	for _, o := range e.over {
		for k, v := range o.Severity {
			if r.Matches(k) {
				s, found = v, true
			}
		}
	}
	return s, found
}

// Severity returns the severity of r's findings on this file.
func (e Effective) Severity(r *Rule, def Severity) Severity {
	if s, ok := e.severityOf(r); ok {
		return s
	}
	return def
}

// Options returns the configured options of r.
func (e Effective) Options(r *Rule) map[string]any {
	out := map[string]any{}
	for k, n := range e.c.Options {
		if !r.Matches(k) {
			continue
		}
		var m map[string]any
		if err := n.Decode(&m); err == nil {
			for ok, ov := range m {
				out[ok] = ov
			}
		}
	}
	if len(e.c.TrustedRegistries) > 0 {
		out["trusted-registries"] = e.c.TrustedRegistries
	}
	return out
}
