package rules

import (
	"fmt"
	"path"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/shipshape-dev/shipshape/layers"
	"github.com/shipshape-dev/shipshape/lint"
)

// CredentialsFile: P49.
var CredentialsFile = &lint.Rule{
	Code:  "IM402",
	Name:  "credentials-in-image",
	Title: "No credentials files in any layer, even deleted later",
	Rationale: "Tools keep logins in well-known files: ~/.aws/credentials, ~/.docker/config.json, .npmrc and " +
		".yarnrc tokens, .pypirc, .netrc, .git-credentials, kubeconfigs, cloud service-account keys, .env files. " +
		"Copied into a layer, or written by a RUN that logged in, they can be read by anyone who can pull the " +
		"image, and a later `rm` does not take them out of the layer. Give credentials to the build with " +
		"`RUN --mount=type=secret` and to containers at run time. Candidates are found by name and confirmed " +
		"from their first 4 KiB (a token, password or key field); the report names the kind, a short " +
		"fingerprint and the place, never a value.",
	Severity: lint.Error,
	Practice: []string{"P49", "P35"},
	Scope:    lint.ScopeImage,
	Bad:      "FROM node:22-slim\nWORKDIR /app\nCOPY .npmrc package*.json ./\nRUN npm ci && rm .npmrc\n",
	Good:     "# syntax=docker/dockerfile:1\nFROM node:22-slim\nWORKDIR /app\nCOPY package*.json ./\nRUN --mount=type=secret,id=npmrc,target=/root/.npmrc npm ci\n",
	Reads: func(*v1.ConfigFile) *lint.Want {
		return &lint.Want{Match: credentialsCandidate, Head: 4096, Read: readCredentials}
	},
	Check: checkCredentialsFile,
}

var yarnrc = &secretKind{"registry tokens (.yarnrc)", hasAny("_authToken", "npmAuthToken", "_auth"),
	"mount it for the one RUN that needs it with `RUN --mount=type=secret,id=yarnrc,target=/root/.yarnrc.yml`"}

// credentialsKind classifies a path by its name; private keys are IM401's.
func credentialsKind(p string) *secretKind {
	base := path.Base(p)
	if base == ".yarnrc" || base == ".yarnrc.yml" {
		return yarnrc
	}
	k := secretCandidate(p)
	if k == privateKey {
		return nil
	}
	return k
}

func credentialsCandidate(e *layers.Entry) bool {
	if e.Size == 0 || e.Size > 1<<20 || imUnder(e.Path, imSystemDirs...) || depTestFile(e.Path) {
		return false
	}
	base := path.Base(e.Path)
	if !strings.HasPrefix(base, ".") && !strings.Contains(base, "credentials") && !strings.Contains(base, "config") &&
		!strings.HasSuffix(base, ".p12") && !strings.HasSuffix(base, ".pfx") && base != "kubeconfig" && !strings.HasPrefix(base, "service-account") &&
		base != "_netrc" {
		return false
	}
	return credentialsKind(e.Path) != nil
}

// credFact is what is kept of a credentials file: its kind and a fingerprint.
type credFact struct {
	kind        *secretKind
	fingerprint string
}

func readCredentials(e *layers.Entry, head []byte) any {
	k := credentialsKind(e.Path)
	if k == nil || k.confirm != nil && !k.confirm(head) {
		return nil
	}
	return credFact{kind: k, fingerprint: fingerprintOf(head)}
}

func checkCredentialsFile(p *lint.Pass) {
	t := p.Image
	for _, f := range p.Facts() {
		c := f.Value.(credFact)
		e := t.Taken.Entry(f.Ref)
		fate := t.Merged.Fates[f.Ref.Layer][f.Ref.Entry]
		li := int(f.Ref.Layer)
		where := "anyone who can pull or run the image can read it"
		var removed *int
		if fate.How != layers.Alive && fate.By != layers.NoRef {
			by := int(fate.By.Layer)
			removed = &by
			where = fmt.Sprintf("%s removes it from the final filesystem, but it is still in layer %d: anyone who can pull the "+
				"image can extract it from that layer", imAt(p, by), li)
		}
		fix := "revoke or rotate what it holds; then " + c.kind.advice
		if imFromContext(p, li) {
			fix += fmt.Sprintf(", and keep it out of the build context (add `%s` to .dockerignore)", imIgnoreLine(p, li, e.Display()))
		}
		p.ReportLayer(li, []lint.ImagePath{{Path: e.Display(), Bytes: e.Size, Files: 1, RemovedBy: removed}}, e.Size, fix,
			fmt.Sprintf("%s holds %s at `%s` (%s); %s. Fix: %s", imAt(p, li), c.kind.what, e.Display(), c.fingerprint, where, fix))
	}
}
