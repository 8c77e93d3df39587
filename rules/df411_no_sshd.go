package rules

import (
	"strings"

	"github.com/shipshape-dev/shipshape/dockerfile"
	"github.com/shipshape-dev/shipshape/lint"
	"github.com/shipshape-dev/shipshape/shell"
)

// NoSSHD: P48.
var NoSSHD = &lint.Rule{
	Code:  "DF411",
	Name:  "no-sshd",
	Title: "Do not run an SSH server in the image",
	Rationale: "An SSH daemon in a container is a second long-lived process beside the app, a network service " +
		"to patch, and keys or passwords to manage and leak. `docker exec` and `kubectl exec` already give a " +
		"shell in a running container without opening a port; an SSH client for fetching code over ssh is fine.",
	Severity: lint.Warning,
	Practice: []string{"P48"},
	Bad: "FROM debian:12.5\nRUN apt-get update && apt-get install -y --no-install-recommends openssh-server && rm -rf /var/lib/apt/lists/*\n" +
		"EXPOSE 22\nCMD [\"/usr/sbin/sshd\", \"-D\"]\n",
	Good: "FROM debian:12.5\nRUN apt-get update && apt-get install -y --no-install-recommends openssh-client && rm -rf /var/lib/apt/lists/*\n" +
		"CMD [\"bash\"]\n",
	Check: func(p *lint.Pass) {
		const instead = "to get a shell in a running container use `docker exec -it <container> sh` " +
			"(or `kubectl exec -it <pod> -- sh`) instead"
		rtInstalled(p, func(in *dockerfile.Instruction, m shell.Manager, name string, w shell.Word) bool {
			if what := rtSSHServerPackage(m, name); what != "" {
				p.ReportWord(w, "`"+w.Value+"` installs "+what+" into the final image: a second long-lived process, "+
					"a service to patch and credentials to manage; "+instead+" and drop the package"+rtClientHint(m, name))
			}
			return false
		})
		for _, in := range rtShipping(p.File) {
			if in.Name != "expose" {
				continue
			}
			for _, tok := range rtTokens(in) {
				if tok.Text == "22" || strings.EqualFold(tok.Text, "22/tcp") {
					rtReportSpan(p, in, tok.From, tok.Upto, "EXPOSE `"+tok.Text+"` announces an SSH server in the "+
						"image; "+instead+" and remove the port")
				}
			}
		}
		for _, r := range rtFinalRuns(p) {
			for _, c := range r.Commands {
				name := c.Name
				if svc := rtStartsService(c); svc == "ssh" || svc == "sshd" || svc == "dropbear" {
					name = svc
				}
				if name == "sshd" || name == "dropbear" || (name == "ssh" && name != c.Name) {
					p.ReportCommand(c, "the container starts `"+rtQuote(c)+"`, an SSH server: a second process beside "+
						"the app and a door to keep locked; "+instead)
				}
			}
		}
	},
}

// rtSSHServerPackage names the SSH server a package brings, or "".
func rtSSHServerPackage(m shell.Manager, name string) string {
	switch name {
	case "openssh-server":
		return "the OpenSSH server"
	case "dropbear", "dropbear-bin":
		return "the Dropbear SSH server"
	case "ssh":
		if m == shell.Apt {
			return "the OpenSSH server (the `ssh` package depends on openssh-server)"
		}
	case "openssh":
		if m == shell.Apk || m == shell.Zypper {
			return "the OpenSSH server (`openssh` includes sshd here)"
		}
	}
	return ""
}

func rtClientHint(m shell.Manager, name string) string {
	switch {
	case name == "openssh" || name == "ssh":
		client := "openssh-client"
		if m == shell.Zypper {
			client = "openssh-clients"
		}
		return "; if you only need ssh or git over ssh, install `" + client + "`"
	}
	return ""
}
