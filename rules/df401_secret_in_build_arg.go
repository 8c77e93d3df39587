package rules

import (
	"strings"

	"github.com/shipshape-dev/shipshape/dockerfile"
	"github.com/shipshape-dev/shipshape/lint"
	"github.com/shipshape-dev/shipshape/shell"
)

// SecretInBuildArg: P35.
var SecretInBuildArg = &lint.Rule{
	Code:  "DF401",
	Name:  "secret-in-build-arg",
	Title: "Pass secrets with a secret mount, not ARG or ENV",
	Rationale: "Build arguments are written into the image history of every later RUN of their stage, " +
		"and ENV values into the image config, so anyone who can pull the image can read them with " +
		"`docker history` or `docker inspect`. A BuildKit secret mount gives the value to one RUN and " +
		"leaves no trace in the image.",
	Severity: lint.Warning,
	Practice: []string{"P35"},
	Bad: "FROM node:20.11-slim\nWORKDIR /app\nARG NPM_TOKEN\nCOPY package.json package-lock.json ./\n" +
		"RUN echo \"//registry.npmjs.org/:_authToken=${NPM_TOKEN}\" > .npmrc && npm ci && rm -f .npmrc\n",
	Good: "# syntax=docker/dockerfile:1\nFROM node:20.11-slim\nWORKDIR /app\nCOPY package.json package-lock.json ./\n" +
		"RUN --mount=type=secret,id=npmrc,target=/root/.npmrc npm ci\n",
	Check: lint.EachInstruction(func(p *lint.Pass, in *dockerfile.Instruction) {
		x := in
		if in.OnBuild != nil {
			x = in.OnBuild
		}
		if !x.Is("arg", "env") || in.Stage == nil || !p.File.Ships(in.Stage) {
			return
		}
		for _, kv := range keyValues(p.File, in) {
			if !secretName(kv.Key) {
				continue
			}
			id := strings.ToLower(kv.Key)
			use := "RUN --mount=type=secret,id=" + id + ",env=" + kv.Key + " " + secretUser(p, in, kv.Key)
			if x.Name == "arg" {
				where := "every later RUN of this stage"
				if in.OnBuild != nil {
					where = "every later RUN of the images built FROM this one"
				}
				p.Report(kv.KeyStart, kv.KeyEnd, "`ARG "+kv.Key+"` takes a secret as a build argument: BuildKit records its value "+
					"in the image history of "+where+" (`docker history --no-trunc` shows `"+kv.Key+"=…`); "+
					"pass it as a secret instead: `"+use+"` with `docker build --secret id="+id+",env="+kv.Key+"`")
				continue
			}
			// A literal value is hardcoded-secret's (DF403) finding; here only
			// values that carry a build argument or variable into the config.
			if !kv.Expands {
				continue
			}
			p.Report(kv.KeyStart, kv.KeyEnd, "`ENV "+kv.Key+"` puts a secret in the image config: `docker inspect` shows it to anyone "+
				"who can pull the image, and every container inherits it; give it at run time (`docker run -e "+kv.Key+
				"` or the orchestrator's secrets), and if the build needs it, through `"+use+"`")
		}
	}, "arg", "env", "onbuild"),
}

// secretUser names the program that needs the secret, to show in the suggested
// RUN: in the first later RUN of the stage that reads the variable, the first
// command that is not plumbing (echo, git config, rm, …); "…" when unsure.
func secretUser(p *lint.Pass, in *dockerfile.Instruction, key string) string {
	for _, x := range in.Stage.Instructions {
		if x.Index <= in.Index || x.Name != "run" {
			continue
		}
		s := p.Script(x)
		if s == nil || !scriptRefersTo(s, key) {
			continue
		}
		for _, c := range s.Commands {
			if c.Name != "" && !plumbing[c.Name] {
				return c.Name + " …"
			}
		}
		return "…"
	}
	return "…"
}

var plumbing = map[string]bool{
	"echo": true, "printf": true, "export": true, "set": true, "cat": true, "tee": true, "rm": true,
	"git": true, "sed": true, "test": true, "[": true, "true": true, "cd": true, "mkdir": true,
	"chmod": true, "chown": true, "mv": true, "cp": true, "touch": true, "unset": true,
}

func scriptRefersTo(s *shell.Script, key string) bool {
	for _, c := range s.Commands {
		for _, w := range append([]string{c.Prog.Value}, wordValues(c.Args)...) {
			if refersTo(w, key) {
				return true
			}
		}
		for _, a := range c.Assigns {
			if refersTo(a, key) {
				return true
			}
		}
	}
	return false
}

// refersTo reports whether a shell word expands the variable key.
func refersTo(w, key string) bool {
	for i := strings.Index(w, "$"); i >= 0 && i < len(w); {
		rest := strings.TrimPrefix(w[i+1:], "{")
		if strings.HasPrefix(rest, key) {
			after := rest[len(key):]
			if after == "" || !isNameByte(after[0]) {
				return true
			}
		}
		j := strings.Index(w[i+1:], "$")
		if j < 0 {
			break
		}
		i += j + 1
	}
	return false
}

func isNameByte(b byte) bool {
	return b == '_' || (b >= '0' && b <= '9') || (b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z')
}
