package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/shipshape-dev/shipshape/lint"
	"github.com/shipshape-dev/shipshape/rules"
)

func newRulesCmd(e *env) *cobra.Command {
	var format, docsDir string
	cmd := &cobra.Command{
		Use:   "rules [CODE|NAME]",
		Short: "List the rules, or explain one with its examples",
		Example: "  shipshape rules\n  shipshape rules DF201\n  shipshape rules apt-update-alone\n" +
			"  shipshape rules DL3008        # hadolint codes find the rule that covers them\n  shipshape rules --format json",
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			all := rules.All()
			if docsDir != "" {
				return writeRuleDocs(docsDir, all)
			}
			if len(args) == 1 {
				r := findRule(all, args[0])
				if r == nil {
					return usageErr("no rule is called %q: `shipshape rules` lists them", args[0])
				}
				if format == "json" {
					return writeRulesJSON(e.stdout, []*lint.Rule{r})
				}
				fmt.Fprint(e.stdout, ruleMarkdown(r))
				return nil
			}
			switch format {
			case "json":
				return writeRulesJSON(e.stdout, all)
			case "text":
				for _, r := range all {
					state := ""
					if r.Disabled {
						state = " (off by default)"
					}
					fmt.Fprintf(e.stdout, "%s  %-28s %-7s %s%s\n", r.Code, r.Name, r.Severity, r.Title, state)
				}
				return nil
			}
			return usageErr("unknown format %q: want text or json", format)
		},
	}
	cmd.Flags().StringVarP(&format, "format", "f", "text", "text or json")
	cmd.Flags().StringVar(&docsDir, "write-docs", "", "write one Markdown page per rule and an index into this directory")
	_ = cmd.Flags().MarkHidden("write-docs")
	return cmd
}

func findRule(all []*lint.Rule, s string) *lint.Rule {
	for _, r := range all {
		if strings.EqualFold(r.Code, s) || r.Name == s {
			return r
		}
	}
	for _, r := range all {
		if r.Matches(s) {
			return r
		}
	}
	return nil
}

type ruleJSON struct {
	Code      string        `json:"code"`
	Name      string        `json:"name"`
	Title     string        `json:"title"`
	Severity  lint.Severity `json:"severity"`
	Enabled   bool          `json:"enabled"`
	Fixable   bool          `json:"fixable"`
	Aliases   []string      `json:"aliases"`
	Practices []string      `json:"practices"`
	Rationale string        `json:"rationale"`
	Options   []optionJSON  `json:"options"`
	URL       string        `json:"url"`
}

type optionJSON struct {
	Name    string `json:"name"`
	Doc     string `json:"doc"`
	Default any    `json:"default"`
}

func writeRulesJSON(w io.Writer, rs []*lint.Rule) error {
	out := make([]ruleJSON, 0, len(rs))
	for _, r := range rs {
		j := ruleJSON{Code: r.Code, Name: r.Name, Title: r.Title, Severity: r.Severity, Enabled: !r.Disabled,
			Fixable: r.Fixable, Aliases: r.Aliases, Practices: r.Practice, Rationale: r.Rationale, URL: r.DocURL(),
			Options: []optionJSON{}}
		if j.Aliases == nil {
			j.Aliases = []string{}
		}
		if j.Practices == nil {
			j.Practices = []string{}
		}
		for _, o := range r.Options {
			j.Options = append(j.Options, optionJSON{o.Name, o.Doc, o.Default})
		}
		out = append(out, j)
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(map[string]any{"schemaVersion": 1, "rules": out})
}

// ruleMarkdown is a rule's page: what it reports, why, bad and good examples.
func ruleMarkdown(r *lint.Rule) string {
	var b strings.Builder
	fmt.Fprintf(&b, "# %s %s\n\n%s.\n\n", r.Code, r.Name, strings.TrimSuffix(r.Title, "."))
	fmt.Fprintf(&b, "| | |\n|---|---|\n| Severity | %s |\n| Enabled by default | %s |\n| Fixable | %s |\n",
		r.Severity, yesNo(!r.Disabled), yesNo(r.Fixable))
	if len(r.Aliases) > 0 {
		fmt.Fprintf(&b, "| hadolint | %s |\n", strings.Join(r.Aliases, ", "))
	}
	if len(r.Practice) > 0 {
		fmt.Fprintf(&b, "| Practice | %s |\n", strings.Join(r.Practice, ", "))
	}
	fmt.Fprintf(&b, "\n## Why\n\n%s\n", r.Rationale)
	if len(r.Options) > 0 {
		b.WriteString("\n## Options\n\n| option | default | meaning |\n|---|---|---|\n")
		for _, o := range r.Options {
			fmt.Fprintf(&b, "| `%s` | `%v` | %s |\n", o.Name, o.Default, o.Doc)
		}
	}
	if r.Scope == lint.ScopeContext {
		// a context rule's examples are build contexts, one `-- path --` header per file
		fmt.Fprintf(&b, "\n## Bad\n\nA build context, file by file:\n\n```text\n%s```\n\n## Good\n\n```text\n%s```\n", ensureNL(r.Bad), ensureNL(r.Good))
		fmt.Fprintf(&b, "\n## Silence it\n\nSend a path on purpose with an exception in .dockerignore (`!path`), or `disable: [%s]` in `.shipshape.yaml`.\n", r.Code)
		return b.String()
	}
	fmt.Fprintf(&b, "\n## Bad\n\n```dockerfile\n%s```\n\n## Good\n\n```dockerfile\n%s```\n", ensureNL(r.Bad), ensureNL(r.Good))
	fmt.Fprintf(&b, "\n## Silence it\n\n`# shipshape ignore=%s` on the line before the instruction", r.Code)
	if len(r.Aliases) > 0 {
		fmt.Fprintf(&b, " (or `# hadolint ignore=%s`)", r.Aliases[0])
	}
	fmt.Fprintf(&b, ", or `disable: [%s]` in `.shipshape.yaml`.\n", r.Code)
	return b.String()
}

func ensureNL(s string) string {
	if strings.HasSuffix(s, "\n") {
		return s
	}
	return s + "\n"
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

// writeRuleDocs generates docs/rules: one page per rule and a README index.
func writeRuleDocs(dir string, all []*lint.Rule) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	var idx strings.Builder
	idx.WriteString("# Rules\n\nGenerated by `shipshape rules --write-docs docs/rules` from the rules' own metadata; do not edit.\n\n")
	idx.WriteString("| code | name | severity | default | fixable | hadolint | title |\n|---|---|---|---|---|---|---|\n")
	for _, r := range all {
		def := "on"
		if r.Disabled {
			def = "off"
		}
		fmt.Fprintf(&idx, "| [%s](%s.md) | %s | %s | %s | %s | %s | %s |\n", r.Code, r.Code, r.Name, r.Severity, def,
			yesNo(r.Fixable), strings.Join(r.Aliases, " "), r.Title)
		if err := os.WriteFile(filepath.Join(dir, r.Code+".md"), []byte(ruleMarkdown(r)), 0o644); err != nil {
			return err
		}
	}
	return os.WriteFile(filepath.Join(dir, "README.md"), []byte(idx.String()), 0o644)
}
