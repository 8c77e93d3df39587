package rules

import (
	"path"
	"strings"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/shipshape-dev/shipshape/dockerfile"
	"github.com/shipshape-dev/shipshape/lint"
	"github.com/shipshape-dev/shipshape/shell"
)

// SecretFileCopied: P35.
var SecretFileCopied = &lint.Rule{
	Code:  "DF402",
	Name:  "secret-file-copied",
	Title: "Never COPY or write credentials files into a layer",
	Rationale: "A key or credentials file that COPY, ADD or a RUN writes into the image stays in that layer for " +
		"good: anyone who can pull the image can extract it, and deleting it in a later instruction only hides " +
		"it. Give the file to the one RUN that needs it with a BuildKit secret or SSH mount, and to the " +
		"container at run time with a volume or an orchestrator secret.",
	Severity: lint.Error,
	Practice: []string{"P35"},
	Bad:      "FROM node:20.11-slim\nWORKDIR /app\nCOPY .npmrc package.json package-lock.json ./\nRUN npm ci && rm .npmrc\n",
	Good:     "# syntax=docker/dockerfile:1\nFROM node:20.11-slim\nWORKDIR /app\nCOPY package.json package-lock.json ./\nRUN --mount=type=secret,id=npmrc,target=/root/.npmrc npm ci\n",
	Check: lint.EachInstruction(func(p *lint.Pass, in *dockerfile.Instruction) {
		if in.Stage == nil || !p.File.Ships(in.Stage) {
			return
		}
		x := in
		if in.OnBuild != nil {
			x = in.OnBuild
		}
		switch x.Name {
		case "copy", "add":
			checkCopiedSecrets(p, in, x)
		case "run":
			checkWrittenSecrets(p, in, x)
		}
	}),
}

// secretFileKind describes a kind of credentials file and how to pass it instead.
type secretFileKind struct {
	what   string // "an SSH private key"
	id     string // secret id in the suggestion
	target string // where the tool reads it
	tool   string // the command in the suggestion
}

var (
	sshKeyFile   = &secretFileKind{what: "an SSH private key"}
	npmrcFile    = &secretFileKind{"an .npmrc (registry tokens)", "npmrc", "/root/.npmrc", "npm ci"}
	pypircFile   = &secretFileKind{"a .pypirc (package index passwords)", "pypirc", "/root/.pypirc", "twine upload …"}
	netrcFile    = &secretFileKind{"a .netrc (login passwords)", "netrc", "/root/.netrc", "…"}
	gitCredsFile = &secretFileKind{"a .git-credentials file (Git passwords and tokens)", "git_credentials", "/root/.git-credentials", "git clone …"}
	awsFile      = &secretFileKind{"AWS credentials", "aws", "/root/.aws/credentials", "aws …"}
	dockerCfg    = &secretFileKind{"a Docker client config (registry logins)", "docker_config", "/root/.docker/config.json", "…"}
	kubeFile     = &secretFileKind{"a kubeconfig (cluster credentials)", "kubeconfig", "/root/.kube/config", "kubectl …"}
	cloudKeyFile = &secretFileKind{"a cloud service-account key", "gcp_key", "/run/secrets/gcp_key.json", "…"}
	gnupgFile    = &secretFileKind{"a GnuPG keyring (private keys)", "gnupg", "/root/.gnupg", "…"}
	envFile      = &secretFileKind{what: "a .env file (usually credentials)"}
	tlsKeyFile   = &secretFileKind{what: "a private key"}
)

// secretFileOf classifies a path by its name. Globs are not guessed at.
func secretFileOf(p string) *secretFileKind {
	p = strings.TrimSuffix(strings.TrimSpace(p), "/")
	if p == "" || strings.ContainsAny(p, "*?[$") {
		return nil
	}
	base := path.Base(p)
	dir := path.Base(path.Dir(p))
	lower := strings.ToLower(base)
	switch base {
	case "id_rsa", "id_dsa", "id_ecdsa", "id_ed25519", "id_ecdsa_sk", "id_ed25519_sk", ".ssh":
		return sshKeyFile
	case ".npmrc":
		return npmrcFile
	case ".pypirc":
		return pypircFile
	case ".netrc", "_netrc":
		return netrcFile
	case ".git-credentials":
		return gitCredsFile
	case ".aws":
		return awsFile
	case ".dockercfg", ".docker":
		return dockerCfg
	case "kubeconfig", ".kube":
		return kubeFile
	case ".gnupg", "secring.gpg":
		return gnupgFile
	case "credentials.json":
		return cloudKeyFile
	case ".env":
		return envFile
	}
	switch {
	case dir == ".aws" && base == "credentials":
		return awsFile
	case dir == ".docker" && base == "config.json":
		return dockerCfg
	case dir == ".kube" && base == "config":
		return kubeFile
	case strings.HasPrefix(lower, "service-account") && strings.HasSuffix(lower, ".json"):
		return cloudKeyFile
	case strings.HasPrefix(base, ".env."):
		switch strings.TrimPrefix(lower, ".env.") {
		case "example", "sample", "template", "dist", "defaults", "default", "schema", "tpl", "in":
			return nil
		}
		return envFile
	case strings.HasSuffix(lower, ".ppk"):
		return sshKeyFile
	case strings.HasSuffix(lower, ".p12"), strings.HasSuffix(lower, ".pfx"):
		return tlsKeyFile
	case strings.HasSuffix(lower, ".key"):
		for _, public := range []string{"gpg", "pgp", "apt", "release", "repo", "archive", "keyring", "pub", "sign", "cert", "ca."} {
			if strings.Contains(lower, public) {
				return nil
			}
		}
		return tlsKeyFile
	case strings.HasSuffix(lower, ".pem"):
		if lower == "key.pem" || lower == "privkey.pem" || strings.HasPrefix(lower, "private") ||
			strings.HasSuffix(lower, "-key.pem") || strings.HasSuffix(lower, "_key.pem") || strings.HasSuffix(lower, ".key.pem") {
			return tlsKeyFile
		}
	}
	return nil
}

// advice says how to give the file to the build or the container instead.
func (k *secretFileKind) advice() string {
	switch k {
	case sshKeyFile:
		return "forward the SSH agent to the one RUN that needs it: `RUN --mount=type=ssh git clone …` with `docker build --ssh default`"
	case envFile:
		return "give it to the container at run time (`docker run --env-file .env`) and list it in .dockerignore"
	case tlsKeyFile:
		return "mount it into the container at run time (a volume or an orchestrator secret) instead of baking it in"
	}
	return "mount it for the one RUN that needs it: `RUN --mount=type=secret,id=" + k.id + ",target=" + k.target + " " + k.tool +
		"` with `docker build --secret id=" + k.id + ",src=…`, or at run time as a volume or an orchestrator secret"
}

func checkCopiedSecrets(p *lint.Pass, in, x *dockerfile.Instruction) {
	cmd := in.Command
	if in.OnBuild != nil {
		c, err := instructions.ParseInstruction(x.Node)
		if err != nil {
			return
		}
		cmd, _ = c.(instructions.Command)
	}
	var sd instructions.SourcesAndDest
	switch c := cmd.(type) {
	case *instructions.CopyCommand:
		sd = c.SourcesAndDest
	case *instructions.AddCommand:
		sd = c.SourcesAndDest
	default:
		return
	}
	verb := strings.ToUpper(x.Name)
	cur := 0
	reported := false
	plainSources := true
	for _, src := range sd.SourcePaths {
		off := strings.Index(x.Args.S[cur:], src)
		if off < 0 {
			off = 0
		} else {
			off += cur
			cur = off + len(src)
		}
		if strings.Contains(src, "://") || strings.HasPrefix(src, "git@") {
			continue
		}
		k := secretFileOf(src)
		if k == nil {
			if isTemplateName(src) {
				plainSources = false
			}
			continue
		}
		start, end := textRange(&x.Args, off, len(src))
		p.Report(start, end, "`"+verb+" "+src+"` puts "+k.what+" into a layer of the image: anyone who can pull the image "+
			"can read it, and deleting it in a later RUN does not remove it from that layer; "+k.advice())
		reported = true
	}
	dest := sd.DestPath
	if reported || !plainSources || strings.HasSuffix(dest, "/") {
		return
	}
	k := secretFileOf(dest)
	if k == nil || k == envFile && len(sd.SourceContents) == 0 {
		return
	}
	// A heredoc shows what is written: plain settings are no secret.
	if len(sd.SourceContents) > 0 && k != sshKeyFile && k != tlsKeyFile {
		cred := false
		for _, sc := range sd.SourceContents {
			cred = cred || mentionsCredential(sc.Data)
		}
		if !cred {
			return
		}
	}
	off := strings.LastIndex(x.Args.S, dest)
	if off < 0 {
		off = 0
	}
	start, end := textRange(&x.Args, off, len(dest))
	p.Report(start, end, "`"+verb+"` writes "+k.what+" to `"+dest+"` in a layer of the image: anyone who can pull the "+
		"image can read it, and deleting it in a later RUN does not remove it from that layer; "+k.advice())
}

// isTemplateName reports names of example files that hold placeholders, not
// secrets: .env.example, npmrc.template, config.sample.json.
func isTemplateName(p string) bool {
	l := strings.ToLower(path.Base(p))
	for _, w := range []string{"example", "sample", "template", "dist", "default", "tpl"} {
		if strings.Contains(l, w) {
			return true
		}
	}
	return false
}

// checkWrittenSecrets reports a RUN that writes credentials into a credentials
// file (`echo "//registry.npmjs.org/:_authToken=${NPM_TOKEN}" > .npmrc`) and
// leaves it in the layer: not deleted in the same RUN, not on a mount.
func checkWrittenSecrets(p *lint.Pass, in, x *dockerfile.Instruction) {
	if x.JSON || !mayWriteSecretFile(x) {
		return
	}
	s := p.Script(in)
	if s == nil {
		return
	}
	for _, r := range runRedirects(s, x) {
		k := secretFileOf(r.Target.Value)
		if k == nil || k == envFile || k == tlsKeyFile && !strings.Contains(r.Target.Value, ".ssh/") {
			continue
		}
		writer := commandAt(s, r.Stmt)
		if writer == nil || !(k == sshKeyFile || writesCredential(writer, r.Input)) {
			continue
		}
		if removedAfter(s, writer, r.Target.Value) || onMount(x, r.Target.Value) {
			continue
		}
		p.ReportWord(r.Target, "this RUN writes "+k.what+" to `"+r.Target.Value+"`, and the file stays in the layer: anyone who "+
			"can pull the image can read it, and deleting it in a later RUN does not remove it; delete it in the same RUN, "+
			"or better "+k.advice())
	}
}

// runRedirects returns the output redirections of a RUN: those of its command
// line (here-documents included) and those of the shell scripts in its heredocs.
func runRedirects(s *shell.Script, in *dockerfile.Instruction) []shell.Redirect {
	args := in.Args
	var b strings.Builder
	b.WriteString(args.S)
	type span struct {
		from int
		text *dockerfile.Text
	}
	var spans []span
	for i := range in.Heredocs {
		h := &in.Heredocs[i]
		b.WriteString("\n")
		spans = append(spans, span{b.Len(), &h.Body})
		b.WriteString(h.Body.S)
		b.WriteString(h.Name + "\n")
	}
	out, _ := shell.Redirects(b.String(), func(off int) shell.Pos {
		for i := len(spans) - 1; i >= 0; i-- {
			if off >= spans[i].from {
				return shell.Pos(spans[i].text.PosAt(off - spans[i].from))
			}
		}
		return shell.Pos(args.PosAt(off))
	})
	// A heredoc body run as a script has commands of the RUN on its lines.
	for i := range in.Heredocs {
		body := &in.Heredocs[i].Body
		if !scriptHasCommandIn(s, body) {
			continue
		}
		more, err := shell.Redirects(body.S, func(off int) shell.Pos { return shell.Pos(body.PosAt(off)) })
		if err == nil {
			out = append(out, more...)
		}
	}
	return out
}

func scriptHasCommandIn(s *shell.Script, body *dockerfile.Text) bool {
	if body.S == "" {
		return false
	}
	first := body.PosAt(0).Line
	last := body.PosAt(len(body.S) - 1).Line
	for _, c := range s.Commands {
		if c.Pos.Line >= first && c.Pos.Line <= last {
			return true
		}
	}
	return false
}

func commandAt(s *shell.Script, at shell.Pos) *shell.Command {
	for _, c := range s.Commands {
		if c.Pos == at {
			return c
		}
	}
	return nil
}

// writesCredential reports whether a command (echo, printf, cat <<EOF) writes
// something that looks like a credential: a secret variable, a known token, an
// auth or password field, or a URL with a password.
func writesCredential(c *shell.Command, input string) bool {
	texts := append(wordValues(c.Args), input)
	for _, a := range c.Assigns {
		texts = append(texts, a)
	}
	for _, t := range texts {
		if mentionsCredential(t) {
			return true
		}
	}
	return false
}

func mentionsCredential(t string) bool {
	l := strings.ToLower(t)
	for _, w := range []string{"_auth", "password", "passwd", "token", "secret", `"auth"`, "key-data", "private key"} {
		if strings.Contains(l, w) {
			return true
		}
	}
	if len(findTokens(t)) > 0 {
		return true
	}
	for i := strings.Index(t, "$"); i >= 0; {
		name := strings.TrimPrefix(t[i+1:], "{")
		n := 0
		for n < len(name) && isNameByte(name[n]) {
			n++
		}
		if n > 0 && secretName(name[:n]) {
			return true
		}
		j := strings.Index(t[i+1:], "$")
		if j < 0 {
			break
		}
		i += j + 1
	}
	if i := strings.Index(t, "://"); i >= 0 {
		rest := t[i+3:]
		if at := strings.Index(rest, "@"); at > 0 && strings.Contains(rest[:at], ":") && !strings.ContainsAny(rest[:at], "/ ") {
			return true
		}
	}
	return false
}

// removedAfter reports whether a command after c in the same RUN deletes file.
func removedAfter(s *shell.Script, c *shell.Command, file string) bool {
	for _, d := range s.Commands[c.Index+1:] {
		if d.OnFailure {
			continue
		}
		if d.Removes(file) {
			return true
		}
		// `rm .npmrc` after writing /app/.npmrc: the same file, seen from WORKDIR.
		if d.Name == "rm" {
			for _, a := range d.Positionals() {
				if path.Base(a.Value) == path.Base(file) {
					return true
				}
			}
		}
	}
	return false
}

// onMount reports whether an absolute path lies on a mount of the RUN, whose
// content does not go into the layer.
func onMount(in *dockerfile.Instruction, file string) bool {
	for _, m := range in.Mounts() {
		t := strings.TrimSuffix(m["target"], "/")
		if t != "" && (file == t || strings.HasPrefix(file, t+"/")) {
			return true
		}
	}
	return false
}

// secretFileHints are parts of the names secretFileOf knows, to spare parsing
// redirections of RUNs that cannot write such a file.
var secretFileHints = []string{"npmrc", "pypirc", "netrc", "credentials", ".aws", ".docker", "dockercfg", "kube",
	".ssh", "id_", ".gnupg", "secring", "service-account", ".ppk", ".p12", ".pfx", ".key", ".pem"}

// mayWriteSecretFile is a fast path: the RUN redirects output and names
// something that may be a credentials file.
func mayWriteSecretFile(in *dockerfile.Instruction) bool {
	texts := []string{in.Args.S}
	for _, h := range in.Heredocs {
		texts = append(texts, h.Content)
	}
	for _, t := range texts {
		if !strings.Contains(t, ">") {
			continue
		}
		for _, h := range secretFileHints {
			if strings.Contains(t, h) {
				return true
			}
		}
	}
	return false
}
