package rules

import (
	"bytes"
	"fmt"
	"path"
	"regexp"
	"strings"

	"github.com/shipshape-dev/shipshape/buildctx"
	"github.com/shipshape-dev/shipshape/lint"
)

// SecretFileSent: P35, P49.
var SecretFileSent = &lint.Rule{
	Code:  "CX401",
	Name:  "secret-file-sent",
	Title: "Credentials and private keys stay out of the build context",
	Rationale: "A .env file, a private key or a tool's credentials file (.npmrc, .pypirc, .netrc, " +
		".git-credentials, .aws/credentials, a kubeconfig, a Docker config, a cloud service-account key) in the " +
		"context is sent to the builder, which may be remote and shared, and `COPY . .` puts it in a layer that " +
		"anyone who can pull the image can read, even after a later `rm`. Give credentials to the one RUN that " +
		"needs them with a secret mount, and to the container at run time. Candidates are found by name and " +
		"confirmed by reading their first 4 KiB (a PEM private-key header, a token or password field, a " +
		"KEY=value line); nothing else is read, and no finding quotes a value.",
	Severity: lint.Error,
	Practice: []string{"P35", "P49"},
	Scope:    lint.ScopeContext,
	Bad:      "-- Dockerfile --\nFROM node:22-slim\nCOPY . /app\n-- .dockerignore --\n.git\nnode_modules\n-- .env --\nDATABASE_URL=postgres://app:hunter2@db/app\n",
	Good:     "-- Dockerfile --\nFROM node:22-slim\nCOPY . /app\n-- .dockerignore --\n.git\nnode_modules\n.env\n-- .env --\nDATABASE_URL=postgres://app:hunter2@db/app\n-- .env.example --\nDATABASE_URL=\n",
	Check: func(p *lint.Pass) {
		c := p.Context
		srcs := contextSources(p.File)
		var found, envs []ctxPath
		kinds := map[string]*secretKind{}
		for _, x := range sentDirsNamed(p, ".gnupg") {
			kinds[x.path] = gnupgDir
			found = append(found, x)
		}
		for _, f := range c.Files {
			if f.Ignored || !f.Mode.IsRegular() || underAny(f.Path, found) {
				continue
			}
			k := secretCandidate(f.Path)
			if k == nil || c.Reincluded(f.Path) {
				continue
			}
			if k.confirm != nil {
				head, err := c.ReadHead(f.Path, 4096)
				if err != nil || !k.confirm(head) {
					continue
				}
			}
			x := ctxPath{path: f.Path, sent: buildctx.Usage{Files: 1, Bytes: f.Size}, line: ignoreLine(f.Path)}
			if needed(srcs, f.Path) {
				x.line = "" // ignoring it would break the build; DF402 reports the COPY
			}
			kinds[f.Path] = k
			if path.Base(f.Path) == ".env" && x.line != "" {
				envs = append(envs, x)
				continue
			}
			found = append(found, x)
		}
		shareGlob(c, envs, ".env")
		found = append(found, envs...)
		reportPaths(p, found, func(x ctxPath) string {
			k := kinds[x.path]
			if x.line == "" {
				return fmt.Sprintf("`%s` holds %s, and the Dockerfile copies it by name, so it is in a layer anyone "+
					"who can pull the image can read; %s, then add `%s` to .dockerignore", x.path, k.what, k.advice, ignoreLine(x.path))
			}
			return fmt.Sprintf("`%s` holds %s and goes to the builder with the context; `COPY . .` would put it in "+
				"a layer anyone who can pull the image can read: add `%s` to .dockerignore and %s", x.path, k.what, x.line, k.advice)
		})
	},
}

// secretKind is a kind of credentials file: what it holds, how to confirm it
// from the file's first bytes (nil: its name is enough), what to do instead.
type secretKind struct {
	what    string
	confirm func(head []byte) bool
	advice  string
}

var (
	privateKey = &secretKind{"a private key", hasAny("PRIVATE KEY-----", "PRIVATE KEY BLOCK-----", "PuTTY-User-Key-File"),
		"mount it where it is needed at run time (a volume or an orchestrator secret), or forward an SSH agent to the build with `RUN --mount=type=ssh`"}
	pkcs12 = &secretKind{"a PKCS#12 key store (usually with a private key)", nil,
		"mount it at run time (a volume or an orchestrator secret)"}
	dotenv = &secretKind{"settings that are usually credentials (KEY=value lines)", hasAssignment,
		"give it to the container at run time (`docker run --env-file`)"}
	npmrc = &secretKind{"registry tokens (.npmrc)", hasAny("_auth", "_password"),
		"mount it for the one RUN that needs it: `RUN --mount=type=secret,id=npmrc,target=/root/.npmrc npm ci`"}
	pypirc = &secretKind{"package-index passwords (.pypirc)", hasAny("password"),
		"mount it for the one RUN that needs it with `RUN --mount=type=secret,id=pypirc,target=/root/.pypirc`"}
	netrc = &secretKind{"login passwords (.netrc)", hasAny("password"),
		"mount it for the one RUN that needs it with `RUN --mount=type=secret,id=netrc,target=/root/.netrc`"}
	gitCreds = &secretKind{"Git passwords or tokens (.git-credentials)", hasAny("@"),
		"mount it for the one RUN that needs it with `RUN --mount=type=secret,id=git_credentials,target=/root/.git-credentials`"}
	awsCreds = &secretKind{"AWS access keys", hasAny("aws_secret_access_key", "aws_session_token"),
		"mount it for the one RUN that needs it with `RUN --mount=type=secret,id=aws,target=/root/.aws/credentials`, and use a role at run time"}
	kubeconfig = &secretKind{"Kubernetes cluster credentials", hasAny("client-key-data", "token:", "password:"),
		"mount it at run time, or use the cluster's service-account token"}
	dockerConfig = &secretKind{"registry logins (Docker config)", hasAny(`"auth"`, `"identitytoken"`),
		"pass it with `RUN --mount=type=secret,id=docker_config,target=/root/.docker/config.json` where it is needed"}
	cloudKey = &secretKind{"a cloud service-account key", hasAny(`"private_key"`),
		"mount it at run time, or use workload identity"}
	gnupgDir = &secretKind{"a GnuPG keyring (private keys)", nil, "mount it where it is needed"}
)

// secretCandidate classifies a path by its name; the kind's confirm function
// then decides from the content.
func secretCandidate(p string) *secretKind {
	base := path.Base(p)
	lower := strings.ToLower(base)
	dir := path.Base(path.Dir(p))
	switch {
	case base == ".env", strings.HasPrefix(base, ".env.") && !isTemplateName(base):
		return dotenv
	case strings.HasPrefix(lower, "id_") && !strings.HasSuffix(lower, ".pub"),
		strings.HasSuffix(lower, ".pem"), strings.HasSuffix(lower, ".key"), strings.HasSuffix(lower, ".ppk"):
		return privateKey
	case strings.HasSuffix(lower, ".p12"), strings.HasSuffix(lower, ".pfx"):
		return pkcs12
	case base == ".npmrc":
		return npmrc
	case base == ".pypirc":
		return pypirc
	case base == ".netrc", base == "_netrc":
		return netrc
	case base == ".git-credentials":
		return gitCreds
	case dir == ".aws" && base == "credentials":
		return awsCreds
	case base == "kubeconfig", dir == ".kube" && base == "config":
		return kubeconfig
	case dir == ".docker" && base == "config.json", base == ".dockercfg":
		return dockerConfig
	case base == "credentials.json", strings.HasPrefix(lower, "service-account") && strings.HasSuffix(lower, ".json"):
		return cloudKey
	}
	return nil
}

func hasAny(words ...string) func([]byte) bool {
	return func(head []byte) bool {
		for _, w := range words {
			if bytes.Contains(head, []byte(w)) {
				return true
			}
		}
		return false
	}
}

var assignment = regexp.MustCompile(`(?m)^\s*(export\s+)?[A-Za-z_][A-Za-z0-9_.-]*\s*=\s*\S`)

// hasAssignment: a .env with at least one setting that has a value.
func hasAssignment(head []byte) bool { return assignment.Match(head) }
