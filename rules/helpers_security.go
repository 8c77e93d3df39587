package rules

import (
	"path"
	"regexp"
	"strings"
	"unicode"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	bkshell "github.com/moby/buildkit/frontend/dockerfile/shell"
	"github.com/shipshape-dev/shipshape/dockerfile"
	"github.com/shipshape-dev/shipshape/shell"
)

// Helpers shared by the security rules (DF401–DF407).

// keyValue is one KEY=value of an ENV, ARG or LABEL, placed in the Dockerfile.
type keyValue struct {
	Key      string // as written
	Raw      string // the value as written, quotes included
	Value    string // the value as the builder reads it: quotes removed, variables left out
	HasValue bool   // false for `ARG NAME` without a default
	Expands  bool   // the value refers to variables
	KeyStart dockerfile.Pos
	KeyEnd   dockerfile.Pos
	valOff   int // byte offset of Raw in the instruction's Args
	args     *dockerfile.Text
}

// ValueRange returns where bytes [from, to) of Raw sit in the Dockerfile.
func (kv keyValue) ValueRange(from, to int) (dockerfile.Pos, dockerfile.Pos) {
	start := kv.args.PosAt(kv.valOff + from)
	end := start
	if to > from {
		end = kv.args.PosAt(kv.valOff + to - 1)
		end.Col++
	}
	return start, end
}

// keyValues returns the pairs of an ENV, ARG or LABEL (ONBUILD ones included),
// read by BuildKit, with the place of each key and value.
func keyValues(f *dockerfile.File, in *dockerfile.Instruction) []keyValue {
	x, cmd := in, in.Command
	if in.OnBuild != nil {
		x = in.OnBuild
		c, err := instructions.ParseInstruction(x.Node)
		if err != nil {
			return nil
		}
		cmd, _ = c.(instructions.Command)
	}
	type pair struct {
		key, raw string
		has      bool
	}
	var pairs []pair
	switch c := cmd.(type) {
	case *instructions.EnvCommand:
		for _, kv := range c.Env {
			pairs = append(pairs, pair{kv.Key, kv.Value, true})
		}
	case *instructions.LabelCommand:
		for _, kv := range c.Labels {
			pairs = append(pairs, pair{kv.Key, kv.Value, true})
		}
	case *instructions.ArgCommand:
		for _, kv := range c.Args {
			pairs = append(pairs, pair{kv.Key, kv.ValueString(), kv.Value != nil})
		}
	default:
		return nil
	}
	args := &x.Args
	lex := bkshell.NewLex(f.Escape)
	var out []keyValue
	cur := 0
	for _, pr := range pairs {
		kv := keyValue{Key: pr.key, Raw: pr.raw, HasValue: pr.has, args: args}
		k := strings.Index(args.S[cur:], pr.key)
		if k < 0 {
			k = 0
		} else {
			k += cur
			cur = k + len(pr.key)
		}
		kv.KeyStart = args.PosAt(k)
		kv.KeyEnd = kv.KeyStart
		kv.KeyEnd.Col += len(pr.key)
		kv.valOff = k
		if pr.has {
			if v := strings.Index(args.S[cur:], pr.raw); v >= 0 {
				kv.valOff = cur + v
				cur = kv.valOff + len(pr.raw)
			}
			env := &refEnv{}
			val, unmatched, err := lex.ProcessWord(pr.raw, env)
			kv.Value = val
			kv.Expands = err != nil || env.used || len(unmatched) > 0
		}
		out = append(out, kv)
	}
	return out
}

// refEnv is an empty environment that notes whether a word referred to it.
type refEnv struct{ used bool }

func (e *refEnv) Get(string) (string, bool) { e.used = true; return "", false }
func (e *refEnv) Keys() []string            { return nil }

// secretWords are the last words of variable names that hold a secret.
var secretWords = map[string]bool{
	"PASSWORD": true, "PASSWD": true, "PASS": true, "PASSPHRASE": true, "PWORD": true,
	"SECRET": true, "TOKEN": true, "CREDENTIALS": true, "CREDS": true, "APIKEY": true,
}

// secretKeyKinds are the words before KEY that make a key name a secret.
var secretKeyKinds = map[string]bool{
	"API": true, "ACCESS": true, "PRIVATE": true, "SECRET": true, "SIGNING": true,
	"ENCRYPTION": true, "MASTER": true, "LICENSE": true, "AUTH": true, "DEPLOY": true, "SSH": true,
}

// flagWords before the secret word make a name a switch about secrets or a
// public value, not a secret: MYSQL_ALLOW_EMPTY_PASSWORD, NEXT_PUBLIC_API_KEY.
var flagWords = map[string]bool{
	"ALLOW": true, "EMPTY": true, "RANDOM": true, "GENERATE": true, "ONETIME": true, "SKIP": true,
	"NO": true, "DISABLE": true, "ENABLE": true, "REQUIRE": true, "USE": true, "EXPIRE": true,
	"RESET": true, "MIN": true, "MAX": true, "CHECK": true, "VALIDATE": true, "POLICY": true,
	"PUBLIC": true, "PUB": true,
}

// secretName reports whether a variable name says it carries a secret:
// NPM_TOKEN, DB_PASSWORD, AWS_SECRET_ACCESS_KEY, githubToken, SECRET_KEY_BASE. Names
// for where a secret lives or about it (PASSWORD_FILE, TOKEN_URL, AWS_ACCESS_KEY_ID,
// GPG_KEY, PYTHON_GET_PIP_SHA256) are not.
func secretName(name string) bool {
	switch strings.ToUpper(name) {
	case "PGPASSWORD", "MYSQL_PWD", "REDISCLI_AUTH", "SSHPASS":
		return true
	}
	words := nameWords(name)
	n := len(words)
	if n == 0 {
		return false
	}
	if n >= 2 && words[n-2] == "KEY" && words[n-1] == "BASE" { // SECRET_KEY_BASE (Rails)
		words, n = words[:n-1], n-1
	}
	last := words[n-1]
	secret := secretWords[last] || (last == "KEY" && n >= 2 && secretKeyKinds[words[n-2]])
	if !secret || (n == 1 && last == "PASS") {
		return false
	}
	for _, w := range words[:n-1] {
		if flagWords[w] {
			return false
		}
	}
	return true
}

// nameWords splits a variable name into upper-case words at `_`, `-`, `.` and
// lower-to-upper case changes.
func nameWords(name string) []string {
	var words []string
	var b strings.Builder
	flush := func() {
		if b.Len() > 0 {
			words = append(words, strings.ToUpper(b.String()))
			b.Reset()
		}
	}
	prev := rune(0)
	for _, r := range name {
		switch {
		case r == '_' || r == '-' || r == '.':
			flush()
		case unicode.IsUpper(r) && unicode.IsLower(prev):
			flush()
			b.WriteRune(r)
		default:
			b.WriteRune(r)
		}
		prev = r
	}
	flush()
	return words
}

// notASecretValue reports values that cannot be a password: empty, a switch
// (yes, true, 0), an absolute path, or a URL without credentials.
func notASecretValue(v string) bool {
	v = strings.TrimSpace(v)
	switch strings.ToLower(v) {
	case "", "yes", "no", "true", "false", "on", "off", "0", "1", "y", "n", "none", "null", "nil", "-":
		return true
	}
	if strings.HasPrefix(v, "/") || strings.HasPrefix(v, "./") || strings.HasPrefix(v, "~/") {
		return true
	}
	if strings.Contains(v, "://") && !strings.Contains(v, "@") {
		return true
	}
	return strings.HasPrefix(v, "arn:")
}

// tokenPatterns are credential formats with a fixed, recognisable shape; hints
// are substrings one of which every match contains, to skip the regexp cheaply.
var tokenPatterns = []struct {
	kind  string
	hints []string
	re    *regexp.Regexp
}{
	{"AWS access key ID", []string{"AKIA", "ASIA"}, regexp.MustCompile(`\b(?:AKIA|ASIA)[0-9A-Z]{16}\b`)},
	{"GitHub token", []string{"ghp_", "gho_", "ghs_", "ghu_", "ghr_", "github_pat_"},
		regexp.MustCompile(`\b(?:gh[opsur]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{22,})`)},
	{"GitLab token", []string{"glpat-"}, regexp.MustCompile(`\bglpat-[A-Za-z0-9_-]{20,}`)},
	{"Slack token", []string{"xox"}, regexp.MustCompile(`\bxox[abprs]-[A-Za-z0-9-]{10,}`)},
	{"Stripe live key", []string{"k_live_"}, regexp.MustCompile(`\b[rs]k_live_[A-Za-z0-9]{20,}`)},
	{"Google API key", []string{"AIza"}, regexp.MustCompile(`\bAIza[0-9A-Za-z_-]{35}`)},
	{"npm token", []string{"npm_"}, regexp.MustCompile(`\bnpm_[A-Za-z0-9]{36}\b`)},
	{"Docker Hub token", []string{"dckr_pat_"}, regexp.MustCompile(`\bdckr_pat_[A-Za-z0-9_-]{20,}`)},
	{"private key", []string{"PRIVATE KEY"}, regexp.MustCompile(`-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----`)},
}

// tokenMatch is a credential found in a string.
type tokenMatch struct {
	Kind       string
	Text       string
	Start, End int // byte offsets in the string searched
}

// findTokens returns the credentials of known formats in s. Documentation
// examples (AKIAIOSFODNN7EXAMPLE) are not credentials.
func findTokens(s string) []tokenMatch {
	var out []tokenMatch
	for _, tp := range tokenPatterns {
		hinted := false
		for _, h := range tp.hints {
			hinted = hinted || strings.Contains(s, h)
		}
		if !hinted {
			continue
		}
		for _, m := range tp.re.FindAllStringIndex(s, -1) {
			text := s[m[0]:m[1]]
			if strings.Contains(strings.ToUpper(text), "EXAMPLE") {
				continue
			}
			out = append(out, tokenMatch{Kind: tp.kind, Text: text, Start: m[0], End: m[1]})
		}
	}
	return out
}

// redact shows no more of a secret than its kind needs to be found again: a few
// leading characters and an ellipsis.
func redact(s string) string {
	if strings.HasPrefix(s, "-----BEGIN") {
		return "-----BEGIN …"
	}
	n := 4
	if len(s) <= 8 {
		n = len(s) / 2
	}
	// never cut a UTF-8 sequence
	for n > 0 && n < len(s) && !utf8Start(s[n]) {
		n--
	}
	return s[:n] + "…"
}

func utf8Start(b byte) bool { return b&0xC0 != 0x80 }

// stageChain returns s and the stages it is built FROM, the oldest first.
func stageChain(s *dockerfile.Stage) []*dockerfile.Stage {
	var chain []*dockerfile.Stage
	for t := s; t != nil && len(chain) <= 64; t = t.BaseStage {
		chain = append([]*dockerfile.Stage{t}, chain...)
	}
	return chain
}

// chainInstructions returns the instructions of s and of the stages it is built
// FROM, in the order the builder applies them.
func chainInstructions(s *dockerfile.Stage) []*dockerfile.Instruction {
	var out []*dockerfile.Instruction
	for _, t := range stageChain(s) {
		out = append(out, t.Instructions...)
	}
	return out
}

// privilegeDroppers are the tools an entrypoint uses to step down from root.
var privilegeDroppers = map[string]bool{
	"gosu": true, "su-exec": true, "setpriv": true, "runuser": true, "s6-setuidgid": true, "chpst": true,
}

// dropsPrivileges reports whether the stages install or run a tool that steps
// down from root (gosu, su-exec, setpriv, runuser, s6-setuidgid, `chroot
// --userspec`): the official images start as root and drop to a user in their
// entrypoint.
func dropsPrivileges(p scriptSource, s *dockerfile.Stage) bool {
	for _, in := range chainInstructions(s) {
		switch in.Name {
		case "run":
			if sc := p.Script(in); sc != nil && scriptDropsPrivileges(sc) {
				return true
			}
		case "copy", "add", "cmd", "entrypoint":
			for _, w := range in.Words {
				if privilegeDroppers[path.Base(w)] || strings.Contains(w, "gosu") || strings.Contains(w, "su-exec") {
					return true
				}
			}
			for _, fl := range in.Flags {
				if fl.Name == "from" && (strings.Contains(fl.Value, "gosu") || strings.Contains(fl.Value, "su-exec")) {
					return true
				}
			}
		}
	}
	return false
}

type scriptSource interface {
	Script(in *dockerfile.Instruction) *shell.Script
}

func scriptDropsPrivileges(sc *shell.Script) bool {
	for _, c := range sc.Commands {
		if privilegeDroppers[c.Name] || (c.Name == "chroot" && c.HasFlag("userspec")) {
			return true
		}
		for _, w := range c.Wrappers {
			if privilegeDroppers[w] {
				return true
			}
		}
		for _, a := range c.Args {
			if privilegeDroppers[path.Base(a.Value)] {
				return true
			}
		}
	}
	for _, i := range sc.Installs() {
		for _, pk := range i.Packages {
			if n := shell.PackageName(i.Manager, pk.Value); n == "gosu" || n == "su-exec" {
				return true
			}
		}
	}
	return false
}

// userIsRoot reports whether a USER value names root: root, 0, root:root, 0:0.
// A value built from variables is not known.
func userIsRoot(u string) bool {
	name, _, _ := strings.Cut(strings.TrimSpace(u), ":")
	return name == "root" || name == "0"
}

// lastUser returns the last USER among the stage and the stages it is built FROM.
func lastUser(s *dockerfile.Stage) *dockerfile.Instruction {
	var last *dockerfile.Instruction
	for _, in := range chainInstructions(s) {
		if in.Name == "user" {
			last = in
		}
	}
	return last
}

// userValue is the user a USER instruction names, as written.
func userValue(in *dockerfile.Instruction) string {
	if u, ok := in.Command.(*instructions.UserCommand); ok {
		return u.User
	}
	return strings.TrimSpace(in.Args.S)
}

// quoteShort quotes s for a message, cut to about n bytes.
func quoteShort(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > n {
		cut := n
		for cut > 0 && !utf8Start(s[cut]) {
			cut--
		}
		s = s[:cut] + "…"
	}
	return "`" + s + "`"
}

// wordValues returns the values of shell words.
func wordValues(ws []shell.Word) []string {
	out := make([]string, len(ws))
	for i, w := range ws {
		out[i] = w.Value
	}
	return out
}

// textRange maps bytes [off, off+n) of t to the Dockerfile.
func textRange(t *dockerfile.Text, off, n int) (dockerfile.Pos, dockerfile.Pos) {
	start := t.PosAt(off)
	if n <= 0 {
		return start, start
	}
	end := t.PosAt(off + n - 1)
	end.Col++
	return start, end
}
