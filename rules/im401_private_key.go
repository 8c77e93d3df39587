package rules

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"path"
	"regexp"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/shipshape-dev/shipshape/layers"
	"github.com/shipshape-dev/shipshape/lint"
)

// PrivateKeyInImage: P49.
var PrivateKeyInImage = &lint.Rule{
	Code:  "IM401",
	Name:  "private-key-in-image",
	Title: "No private keys in any layer, even deleted later",
	Rationale: "A private key in a layer belongs to everyone who can pull the image: `docker save` or any " +
		"registry client extracts the layer, and a `RUN rm` in a later layer only hides the file from the " +
		"final filesystem. Revoke a key that shipped, and give keys to the build with `RUN --mount=type=ssh` " +
		"or `--mount=type=secret`, and to containers at run time. Files are found by their PEM or OpenSSH " +
		"header in the first 8 KiB (small files outside the distribution's directories, and files named like " +
		"keys anywhere but there); the report names the kind, a short SHA-256 fingerprint to recognise the " +
		"key by, and where it is — never the key.",
	Severity: lint.Error,
	Practice: []string{"P49", "P35"},
	Scope:    lint.ScopeImage,
	Bad:      "FROM alpine:3.20\nCOPY id_ed25519 /root/.ssh/id_ed25519\nRUN git clone git@github.com:acme/app.git /app && rm /root/.ssh/id_ed25519\n",
	Good:     "# syntax=docker/dockerfile:1\nFROM alpine:3.20\nRUN --mount=type=ssh git clone git@github.com:acme/app.git /app\n",
	Reads: func(*v1.ConfigFile) *lint.Want {
		return &lint.Want{Match: keyCandidate, Head: 8192, Read: readPrivateKey}
	},
	Check: checkPrivateKey,
}

// keyCandidate picks files that may hold a private key: named like one, or
// small, anywhere but the distribution's own directories and the tests of
// installed dependencies.
func keyCandidate(e *layers.Entry) bool {
	if e.Size < 32 || e.Size > 1<<20 || imUnder(e.Path, imSystemDirs...) || depTestFile(e.Path) {
		return false
	}
	return e.Size <= 64<<10 || keyName(path.Base(e.Path))
}

// keyName: id_rsa, server.key, tls.pem, deploy.ppk, ssh_host_ed25519_key.
func keyName(base string) bool {
	l := strings.ToLower(base)
	return strings.HasPrefix(l, "id_") && !strings.HasSuffix(l, ".pub") || strings.HasSuffix(l, ".key") ||
		strings.HasSuffix(l, ".pem") || strings.HasSuffix(l, ".ppk") || strings.HasSuffix(l, "_key")
}

// depTestFile: a test fixture of an installed dependency (test keys ship with
// many libraries).
func depTestFile(p string) bool {
	if !strings.Contains(p, "-packages/") && !strings.Contains(p, "node_modules/") && !strings.Contains(p, "vendor/") {
		return false
	}
	at, _ := imElem(p, "test", "tests", "testdata", "fixtures", "__tests__")
	return at >= 0
}

var pemKeyRe = regexp.MustCompile(`-----BEGIN ((?:[A-Z0-9]+ )*)PRIVATE KEY(?: BLOCK)?-----`)

// keyFact is what is kept of a private key: never the key.
type keyFact struct {
	kind, fingerprint string
	encrypted         bool
}

// readPrivateKey finds a private key's header and fingerprints its block.
func readPrivateKey(_ *layers.Entry, head []byte) any {
	var kind string
	var block []byte
	if m := pemKeyRe.FindSubmatchIndex(head); m != nil {
		kind = strings.TrimSpace(string(head[m[2]:m[3]]))
		block = head[m[0]:]
		if end := strings.Index(string(block), "-----END"); end >= 0 {
			block = block[:end]
		}
	} else if i := strings.Index(string(head), "PuTTY-User-Key-File-"); i >= 0 {
		kind, block = "PuTTY", head[i:]
	} else {
		return nil
	}
	encrypted := strings.Contains(kind, "ENCRYPTED") || strings.Contains(string(block), "Proc-Type: 4,ENCRYPTED") ||
		strings.Contains(string(block), "Encryption: aes")
	kind = strings.TrimSpace(strings.TrimSuffix(kind, "ENCRYPTED"))
	switch kind {
	case "":
		kind = "PKCS#8"
	case "OPENSSH":
		kind = "OpenSSH"
	case "PGP":
		kind = "PGP"
	}
	return keyFact{kind: kind, fingerprint: fingerprintOf(block), encrypted: encrypted}
}

// fingerprintOf is a short SHA-256 of a secret: enough to tell two apart and
// to find one again, nothing to recover it from.
func fingerprintOf(b []byte) string {
	sum := sha256.Sum256(b)
	return "sha256:" + hex.EncodeToString(sum[:4])
}

func checkPrivateKey(p *lint.Pass) {
	t := p.Image
	for _, f := range p.Facts() {
		k := f.Value.(keyFact)
		e := t.Taken.Entry(f.Ref)
		fate := t.Merged.Fates[f.Ref.Layer][f.Ref.Entry]
		li := int(f.Ref.Layer)
		what := k.kind
		if k.encrypted {
			what += ", passphrase-protected"
		}
		where := "anyone who can pull or run the image can read it"
		var removed *int
		if fate.How != layers.Alive && fate.By != layers.NoRef {
			by := int(fate.By.Layer)
			removed = &by
			where = fmt.Sprintf("%s removes it from the final filesystem, but it is still in layer %d: anyone who can pull the "+
				"image can extract it from that layer", imAt(p, by), li)
		}
		fix := "revoke the key now; then build without it: give it to the one step that needs it with " +
			"`RUN --mount=type=ssh` or `RUN --mount=type=secret`, and to containers at run time"
		if strings.HasPrefix(path.Base(e.Path), "ssh_host_") {
			fix = "do not generate SSH host keys at build time (every container would share them): remove the SSH server, " +
				"or create the keys when the container starts"
		}
		p.ReportLayer(li, []lint.ImagePath{{Path: e.Display(), Bytes: e.Size, Files: 1, RemovedBy: removed}}, e.Size, fix,
			fmt.Sprintf("%s holds a private key (%s, %s) at `%s`; %s. Fix: %s", imAt(p, li), what, k.fingerprint, e.Display(), where, fix))
	}
}
