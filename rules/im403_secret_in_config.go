package rules

import (
	"fmt"
	"sort"
	"strings"

	"github.com/shipshape-dev/shipshape/analyze"
	"github.com/shipshape-dev/shipshape/layers"
	"github.com/shipshape-dev/shipshape/lint"
)

// SecretInConfig: P49.
var SecretInConfig = &lint.Rule{
	Code:  "IM403",
	Name:  "secret-in-config",
	Title: "No tokens or passwords in the image's environment, labels or history",
	Rationale: "ENV values and labels are part of the image config, and the history records every instruction " +
		"with its arguments — build arguments of RUN steps included. `docker inspect` and `docker history " +
		"--no-trunc` show them to anyone who can pull the image, and every container gets the ENV values. " +
		"shipshape looks for credential formats (AWS, GitHub, GitLab, Slack, Stripe, Google, npm, Docker Hub " +
		"tokens), secret-named variables with a literal value (DB_PASSWORD=…, API_TOKEN=…) and passwords in " +
		"URLs; findings name the kind, a short fingerprint and the place, and shipshape's reports never print " +
		"the value: history entries that hold one are shown redacted.",
	Severity: lint.Error,
	Practice: []string{"P49", "P35"},
	Scope:    lint.ScopeImage,
	Bad:      "FROM postgres:16.3\nENV POSTGRES_PASSWORD=changeme-in-prod\n",
	Good:     "FROM postgres:16.3\nENV POSTGRES_PASSWORD_FILE=/run/secrets/postgres_password\n",
	Check:    checkSecretInConfig,
}

// configSecret is a secret found in a string: its kind, the value and what
// names it (a variable or label key; "" for a token found by its format).
type configSecret struct {
	kind, value, key string
}

// secretsIn finds the secrets of a config string: an ENV or label "KEY=value"
// pair, or a history entry.
func secretsIn(s string) []configSecret {
	var out []configSecret
	for _, m := range findTokens(s) {
		out = append(out, configSecret{kind: m.Kind, value: m.Text})
	}
	for _, field := range strings.Fields(s) {
		field = strings.Trim(field, `"';`)
		if _, _, pw, ok := urlPassword(field); ok && len(findTokens(pw)) == 0 && !strings.ContainsAny(pw, "$`") {
			out = append(out, configSecret{kind: "password in a URL", value: pw})
			continue
		}
		k, v, ok := strings.Cut(field, "=")
		v = strings.Trim(v, `"'`)
		if !ok || !secretName(k) || strings.ContainsAny(v, "$`") || notASecretValue(v) || len(findTokens(v)) > 0 {
			continue
		}
		out = append(out, configSecret{kind: "literal secret", value: v, key: k})
	}
	return out
}

// RedactHistory replaces, in every history entry an analysis shows (layer
// table, dead-path attributions, the history itself), the secrets IM403
// looks for with [REDACTED], so that no report prints them. Checks still find
// them in the image config, which this leaves alone. Call it after
// analyze.MatchDockerfile and before writing a report, whether or not the
// checks run.
func RedactHistory(r *analyze.Result) {
	// The same few history entries recur in every dead path: redact each once.
	done := map[string]string{}
	red := func(s *string) {
		r, ok := done[*s]
		if !ok {
			r = redactSecrets(*s)
			done[*s] = r
		}
		*s = r
	}
	if r.Taken != nil {
		for i := range r.Taken.History {
			red(&r.Taken.History[i].CreatedBy)
		}
	}
	for i := range r.Layers {
		red(&r.Layers[i].CreatedBy)
		if a := r.Layers[i].Instruction; a != nil {
			red(&a.CreatedBy)
		}
	}
	for i := range r.Waste.DeadPaths {
		red(&r.Waste.DeadPaths[i].AddedBy.CreatedBy)
		red(&r.Waste.DeadPaths[i].RemovedBy.CreatedBy)
	}
}

// redactSecrets replaces the secrets in s with [REDACTED].
func redactSecrets(s string) string {
	secrets := secretsIn(s)
	// longest first, so a value that contains another goes whole
	sort.Slice(secrets, func(i, j int) bool { return len(secrets[i].value) > len(secrets[j].value) })
	for _, x := range secrets {
		if len(x.value) >= 3 {
			s = strings.ReplaceAll(s, x.value, "[REDACTED]")
		}
	}
	return s
}

func checkSecretInConfig(p *lint.Pass) {
	t := p.Image
	cfg := t.Config()
	raw := cfg.History // as the image has it: the analysis's copy is redacted
	seen := map[string]bool{}
	report := func(hist int, what, where, fix string, s configSecret) {
		fp := fingerprintOf([]byte(s.value))
		if seen[fp] {
			return
		}
		seen[fp] = true
		kind := "a " + s.kind
		if s.key != "" && !strings.Contains(what, "`"+s.key) {
			kind += " in `" + s.key + "`"
		}
		fd := p.ReportConfig(hist, fix, fmt.Sprintf("%s holds %s (%s): %s. Fix: %s", what, kind, fp, where, fix))
		fd.Image.Base = hist >= 0 && hist < t.Boundary.History
	}
	// the history entry that set a key last, by instruction
	setBy := func(instr, key string) int {
		for i := len(raw) - 1; i >= 0; i-- {
			if layers.InstructionOf(raw[i].CreatedBy) == instr && strings.Contains(raw[i].CreatedBy, key+"=") {
				return i
			}
		}
		return -1
	}
	for _, kv := range cfg.Config.Env {
		k, _, _ := strings.Cut(kv, "=")
		for _, s := range secretsIn(kv) {
			if s.key == "" {
				s.key = k
			}
			h := setBy("ENV", k)
			fix := fmt.Sprintf("revoke or change it; remove `ENV %s` and give the value at run time (the orchestrator's secrets, "+
				"or `%s_FILE=/run/secrets/…` where the software supports it)", k, k)
			report(h, "`ENV "+k+"`"+historyWhere(p, h), "`docker inspect` shows it to anyone who can pull the image, and every "+
				"container from it gets the same value", fix, s)
		}
	}
	labels := make([]string, 0, len(cfg.Config.Labels))
	for k := range cfg.Config.Labels {
		labels = append(labels, k)
	}
	sort.Strings(labels)
	for _, k := range labels {
		for _, s := range secretsIn(k + "=" + cfg.Config.Labels[k]) {
			h := setBy("LABEL", k)
			report(h, "label `"+k+"`"+historyWhere(p, h), "`docker inspect` shows it to anyone who can pull the image",
				"revoke or change it, and remove the label", s)
		}
	}
	for i, h := range raw {
		for _, s := range secretsIn(h.CreatedBy) {
			shown := h.CreatedBy
			if i < len(t.Taken.History) {
				shown = t.Taken.History[i].CreatedBy
			}
			fix := "revoke or change it; give it to the step that needs it with `RUN --mount=type=secret,id=…` " +
				"instead of a build argument or a literal"
			report(i, fmt.Sprintf("history entry %d `%s`%s", i, imCommand(shown), historyWhere(p, i)),
				"`docker history --no-trunc` shows it to anyone who can pull the image", fix, s)
		}
	}
}

// historyWhere names the Dockerfile line of a history entry: " (Dockerfile:7)".
func historyWhere(p *lint.Pass, hist int) string {
	if line, ok := p.Image.HistoryLines[hist]; ok && p.File != nil && hist >= 0 {
		return fmt.Sprintf(" (%s:%d)", p.File.Name, line)
	}
	return ""
}
