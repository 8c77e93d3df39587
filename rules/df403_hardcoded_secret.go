package rules

import (
	"strings"

	"github.com/shipshape-dev/shipshape/dockerfile"
	"github.com/shipshape-dev/shipshape/lint"
	"github.com/shipshape-dev/shipshape/shell"
)

// HardcodedSecret: P49.
var HardcodedSecret = &lint.Rule{
	Code:  "DF403",
	Name:  "hardcoded-secret",
	Title: "Keep passwords, tokens and keys out of the Dockerfile",
	Rationale: "A token, key or password written in the Dockerfile is readable by everyone with the repository, " +
		"and BuildKit copies ENV values into the image config and RUN command lines and build arguments into " +
		"the image history, so everyone who can pull the image has it too. Revoke it, and pass secrets with " +
		"secret mounts at build time and from a secret store at run time.",
	Severity: lint.Error,
	Practice: []string{"P49"},
	Bad:      "FROM postgres:16.3\nENV POSTGRES_PASSWORD=changeme\n",
	Good:     "FROM postgres:16.3\nENV POSTGRES_PASSWORD_FILE=/run/secrets/postgres_password\n",
	Check:    checkHardcodedSecrets,
}

func checkHardcodedSecrets(p *lint.Pass) {
	// Credential formats are searched in the text itself, comments and heredocs
	// included: wherever such a token is written, the repository has it.
	for i, line := range p.File.Lines {
		for _, m := range findTokens(line) {
			start := dockerfile.Pos{Line: i + 1, Col: m.Start + 1}
			p.Report(start, dockerfile.Pos{Line: i + 1, Col: m.End + 1}, m.Kind+" \""+redact(m.Text)+"\" is written in the Dockerfile: "+
				"anyone with the repository, and with the image if this line ships, can use it; revoke it now, then pass it as a secret "+
				"(`RUN --mount=type=secret,id=…` for the build, the orchestrator's secrets at run time)")
		}
	}
	for _, in := range p.File.Instructions {
		x := in
		if in.OnBuild != nil {
			x = in.OnBuild
		}
		switch x.Name {
		case "env", "arg", "label":
			checkSecretValues(p, in, x)
		case "run":
			if s := p.Script(in); s != nil {
				for _, c := range s.Commands {
					checkCommandSecrets(p, s, c)
				}
			}
		}
	}
}

// checkSecretValues reports a literal default of a secret-named ENV or ARG, and
// a URL with a password in any value.
func checkSecretValues(p *lint.Pass, in, x *dockerfile.Instruction) {
	for _, kv := range keyValues(p.File, in) {
		if !kv.HasValue {
			continue
		}
		if from, to, pw, ok := urlPassword(kv.Raw); ok && len(findTokens(pw)) == 0 {
			start, end := kv.ValueRange(from, to)
			p.Report(start, end, "the URL in `"+strings.ToUpper(x.Name)+" "+kv.Key+"` carries the password \""+redact(pw)+
				"\": it is stored in the Dockerfile and the image; give the URL at run time from a secret store, and change the password")
			continue
		}
		if x.Name == "label" || !secretName(kv.Key) || kv.Expands || notASecretValue(kv.Value) || len(findTokens(kv.Raw)) > 0 {
			continue
		}
		start, end := kv.ValueRange(0, len(kv.Raw))
		if x.Name == "arg" {
			id := strings.ToLower(kv.Key)
			where := "BuildKit writes it into the image history of the RUNs after it"
			if in.Stage == nil {
				where = "every stage that declares it again gets it in the image history of its RUNs"
			}
			p.Report(start, end, "`ARG "+kv.Key+"` has the literal default \""+redact(kv.Value)+"\": it is in the Dockerfile for anyone "+
				"with the repository, and "+where+"; drop the default and pass "+
				"the value as a secret: `RUN --mount=type=secret,id="+id+",env="+kv.Key+" …`, and change it if it was ever used")
			continue
		}
		where := "it is in the Dockerfile for anyone with the repository"
		if in.Stage != nil && p.File.Ships(in.Stage) {
			where = "it is in the Dockerfile and in the image config (`docker inspect`), so every container from this image " +
				"shares a secret everyone knows"
		}
		p.Report(start, end, "`ENV "+kv.Key+"` sets the literal secret \""+redact(kv.Value)+"\": "+where+"; drop it and give the "+
			"value at run time (`docker run -e "+kv.Key+"` or the orchestrator's secrets), and change it if it was ever used")
	}
}

// checkCommandSecrets reports passwords given literally on a command line.
func checkCommandSecrets(p *lint.Pass, s *shell.Script, c *shell.Command) {
	report := func(w shell.Word, secret, what, instead string) {
		p.ReportWord(w, what+" \""+redact(secret)+"\": it is in the Dockerfile and in the image history "+
			"(`docker history --no-trunc`); "+instead+", and change it")
	}
	for _, w := range c.Args {
		if _, _, pw, ok := urlPassword(w.Value); ok && w.Literal && len(findTokens(pw)) == 0 {
			report(w, pw, "the URL's password", "read it from a secret mount instead, e.g. `RUN --mount=type=secret,id=netrc,target=/root/.netrc …`")
			return
		}
	}
	for _, a := range c.Assigns {
		k, v, _ := strings.Cut(a, "=")
		v = strings.Trim(v, `"'`)
		if secretName(k) && !strings.ContainsAny(v, "$`") && !notASecretValue(v) && len(findTokens(v)) == 0 {
			end := dockerfile.Pos(c.Pos)
			end.Col += len(a)
			p.Report(dockerfile.Pos(c.Pos), end, "`"+k+"=…` sets the literal secret \""+redact(v)+"\" for the command: it is in the "+
				"Dockerfile and in the image history (`docker history --no-trunc`); read it from a secret mount: "+
				"`RUN --mount=type=secret,id="+strings.ToLower(k)+",env="+k+" "+c.Name+" …`, and change it")
		}
	}
	switch c.Name {
	case "curl":
		if w, flag, pw, ok := flagSecret(c, []string{"-u", "-U"}, []string{"--user", "--proxy-user"}, true); ok {
			if _, pass, found := strings.Cut(pw, ":"); found && pass != "" && len(findTokens(pass)) == 0 {
				report(w, pass, "`curl "+flag+"` gives the literal password", "keep the login in a .netrc given as a secret: "+
					"`RUN --mount=type=secret,id=netrc,target=/root/.netrc curl --netrc …`")
			}
		}
	case "wget":
		if w, flag, pw, ok := flagSecret(c, nil, []string{"--password", "--http-password", "--ftp-password", "--proxy-password"}, true); ok {
			report(w, pw, "`wget "+flag+"` gives the literal password", "keep the login in a .netrc given as a secret: "+
				"`RUN --mount=type=secret,id=netrc,target=/root/.netrc wget …`")
		}
	case "mysql", "mysqladmin", "mysqldump", "mysqlimport", "mariadb", "mariadb-admin", "mariadb-dump":
		// The MySQL clients take the password only attached: `-p secret` asks for it.
		if w, flag, pw, ok := flagSecret(c, []string{"-p"}, []string{"--password"}, false); ok {
			report(w, pw, "`"+c.Name+" "+flag+"` gives the literal password", "put the login in an option file given as a secret: "+
				"`RUN --mount=type=secret,id=mycnf,target=/root/.my.cnf "+c.Name+" …`")
		}
	case "sshpass":
		if w, _, pw, ok := flagSecret(c, []string{"-p"}, nil, true); ok {
			report(w, pw, "`sshpass -p` gives the literal password", "use key authentication through the SSH agent: `RUN --mount=type=ssh …` "+
				"with `docker build --ssh default`")
		}
	case "export", "declare", "typeset", "local", "readonly":
		for _, w := range c.Args {
			k, v, ok := strings.Cut(w.Value, "=")
			if ok && w.Literal && secretName(k) && !notASecretValue(v) && len(findTokens(v)) == 0 {
				report(w, v, "`"+c.Name+" "+k+"` sets the literal secret", "read it from a secret mount: "+
					"`RUN --mount=type=secret,id="+strings.ToLower(k)+",env="+k+" …`")
			}
		}
	case "htpasswd":
		checkHtpasswd(c, report)
	case "chpasswd", "passwd":
		checkPipedPassword(s, c, report)
	}
}

// flagSecret finds a flag given as `-pVALUE`, `--long=VALUE` or, when the
// program takes it so, `-p VALUE` / `--long VALUE`, and returns the word holding
// the value, the flag as written and the value, when the value is literal.
func flagSecret(c *shell.Command, shorts []string, longs []string, separate bool) (shell.Word, string, string, bool) {
	for i, a := range c.Args {
		v := a.Value
		if v == "--" {
			break
		}
		for _, l := range longs {
			if strings.HasPrefix(v, l+"=") {
				val := v[len(l)+1:]
				return a, l, val, a.Literal && val != ""
			}
			if v == l && separate && i+1 < len(c.Args) {
				next := c.Args[i+1]
				return next, l, next.Value, next.Literal && next.Value != ""
			}
		}
		for _, sh := range shorts {
			if !strings.HasPrefix(v, sh) {
				continue
			}
			if len(v) > len(sh) {
				return a, sh, v[len(sh):], a.Literal
			}
			if separate && i+1 < len(c.Args) {
				next := c.Args[i+1]
				return next, sh, next.Value, next.Literal && next.Value != ""
			}
		}
	}
	return shell.Word{}, "", "", false
}

// checkHtpasswd reports `htpasswd -b[c] file user password` and `htpasswd -nb user password`.
func checkHtpasswd(c *shell.Command, report func(shell.Word, string, string, string)) {
	batch, display := false, false
	for _, a := range c.Args {
		if strings.HasPrefix(a.Value, "-") && !strings.HasPrefix(a.Value, "--") {
			batch = batch || strings.Contains(a.Value, "b")
			display = display || strings.Contains(a.Value, "n")
		}
	}
	if !batch {
		return
	}
	pos := c.Positionals()
	at := 2
	if display {
		at = 1
	}
	if at < len(pos) && pos[at].Literal && pos[at].Value != "" {
		report(pos[at], pos[at].Value, "`htpasswd -b` sets the literal password", "create the password file at run time, or mount it as a secret")
	}
}

// checkPipedPassword reports `echo 'root:secret' | chpasswd` and `echo secret | passwd --stdin user`.
func checkPipedPassword(s *shell.Script, c *shell.Command, report func(shell.Word, string, string, string)) {
	if !c.Piped || c.Index == 0 || (c.Name == "chpasswd" && c.HasFlag("e", "encrypted")) {
		return
	}
	prev := s.Commands[c.Index-1]
	if !prev.Piped || !prev.Is("echo", "printf") {
		return
	}
	for _, w := range prev.Positionals() {
		if !w.Literal || w.Value == "" || strings.Contains(w.Value, "%") {
			continue
		}
		secret := w.Value
		if i := strings.IndexAny(secret, "\n\\"); i >= 0 { // `echo -e "pw\npw" | passwd`
			secret = secret[:i]
		}
		if c.Name == "chpasswd" {
			_, pass, ok := strings.Cut(strings.TrimSpace(secret), ":")
			if !ok || pass == "" {
				continue
			}
			secret = pass
		}
		report(w, secret, "`"+c.Name+"` sets the literal password", "every container from this image shares it: "+
			"lock the account instead (`passwd -l`, log in with keys), or set the password at run time from a secret")
		return
	}
}

// urlPassword finds a URL with a literal password (`https://user:pass@host`) in
// s and returns the password's byte range.
func urlPassword(s string) (from, to int, pass string, ok bool) {
	i := strings.Index(s, "://")
	if i < 0 {
		return 0, 0, "", false
	}
	rest := s[i+3:]
	at := strings.Index(rest, "@")
	if at <= 0 {
		return 0, 0, "", false
	}
	userinfo := rest[:at]
	if strings.ContainsAny(userinfo, "/ \"'$`{}") {
		return 0, 0, "", false
	}
	user, pw, found := strings.Cut(userinfo, ":")
	if !found || user == "" || pw == "" || strings.HasPrefix(pw, "<") {
		return 0, 0, "", false
	}
	from = i + 3 + len(user) + 1
	return from, from + len(pw), pw, true
}
