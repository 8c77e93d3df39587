package rules

import (
	"fmt"
	"io/fs"
	"slices"
	"strings"

	"github.com/shipshape-dev/shipshape/layers"
	"github.com/shipshape-dev/shipshape/lint"
)

// SetuidFile: P40.
var SetuidFile = &lint.Rule{
	Code:  "IM405",
	Name:  "setuid-file",
	Title: "No setuid or setgid programs beyond the distribution's usual ones",
	Rationale: "A setuid (or setgid) program runs with its owner's (or group's) rights whoever starts it: one " +
		"bug in it turns the unprivileged user the container runs as back into root. Base images carry a " +
		"few that the distribution vets (su, passwd, mount, …, listed in the `allow` option); anything else " +
		"a build adds — sudo, a copied binary, a `chmod u+s` — deserves a reason, or `chmod u-s,g-s` in the " +
		"step that adds it. Only files in the final filesystem count.",
	Severity: lint.Warning,
	Practice: []string{"P40", "P41"},
	Options:  []lint.Option{{Name: "allow", Doc: "setuid/setgid programs that are not reported (absolute paths)", Default: setuidAllowed}},
	Scope:    lint.ScopeImage,
	Bad:      "FROM debian:bookworm-slim\nCOPY tools/backup /usr/local/bin/backup\nRUN chmod u+s /usr/local/bin/backup\n",
	Good:     "FROM debian:bookworm-slim\nCOPY --chmod=755 tools/backup /usr/local/bin/backup\n",
	Check:    checkSetuidFile,
}

// setuidAllowed are the setuid and setgid programs Debian, Ubuntu, Alpine and
// Red Hat base images ship on purpose.
var setuidAllowed = []string{
	"/bin/su", "/usr/bin/su", "/bin/mount", "/usr/bin/mount", "/bin/umount", "/usr/bin/umount",
	"/usr/bin/passwd", "/usr/bin/chfn", "/usr/bin/chsh", "/usr/bin/gpasswd", "/usr/bin/newgrp",
	"/usr/bin/chage", "/usr/bin/expiry", "/sbin/unix_chkpwd", "/usr/sbin/unix_chkpwd", "/usr/sbin/pam_extrausers_chkpwd",
	"/usr/bin/crontab", "/usr/bin/wall", "/usr/bin/write", "/usr/bin/ssh-agent", "/usr/lib/openssh/ssh-keysign",
	"/usr/libexec/openssh/ssh-keysign", "/usr/lib/dbus-1.0/dbus-daemon-launch-helper", "/bin/ping", "/usr/bin/ping",
	"/bin/bbsuid", "/usr/bin/newuidmap", "/usr/bin/newgidmap", "/usr/sbin/userhelper",
}

func checkSetuidFile(p *lint.Pass) {
	allow := p.StringsOption("allow")
	g := newGroups()
	imFinal(p.Image, func(q string, ref layers.Ref, e *layers.Entry) {
		if e.Kind != layers.Regular || e.Mode&(fs.ModeSetuid|fs.ModeSetgid) == 0 || slices.Contains(allow, "/"+q) {
			return
		}
		g.add(ref, e, layers.Fate{}, "/"+q)
	})
	for _, lg := range g.each(false) {
		var bits []string
		var names []string
		for _, x := range lg.paths {
			names = append(names, x.Path)
		}
		for _, x := range lg.paths {
			e := p.Image.Merged.Get(x.Path)
			if e == nil {
				continue
			}
			b := []string{}
			if e.Mode&fs.ModeSetuid != 0 {
				b = append(b, fmt.Sprintf("setuid %s", owner(e.UID)))
			}
			if e.Mode&fs.ModeSetgid != 0 {
				b = append(b, fmt.Sprintf("setgid %d", e.GID))
			}
			bits = append(bits, fmt.Sprintf("`%s` (%s)", x.Path, strings.Join(b, ", ")))
			if len(bits) == 4 {
				break
			}
		}
		if len(lg.paths) > 4 {
			bits = append(bits, fmt.Sprintf("%d more", len(lg.paths)-4))
		}
		fix := fmt.Sprintf("clear the bits in %s (`chmod u-s,g-s %s`), or remove the program; if it must stay, add it to the `allow` option",
			imStep(p, lg.layer), strings.Join(firstN(names, 3), " "))
		p.ReportLayer(lg.layer, lg.paths, 0, fix, fmt.Sprintf("%s adds %s beyond the distribution's usual ones: %s; such a program "+
			"runs with its owner's rights whoever starts it, so a bug in it hands those rights to an attacker. Fix: %s",
			imAt(p, lg.layer), plural(len(lg.paths), "setuid/setgid program", "setuid/setgid programs"), strings.Join(bits, ", "), fix))
	}
}

func owner(uid int32) string {
	if uid == 0 {
		return "root"
	}
	return fmt.Sprintf("uid %d", uid)
}

func firstN(s []string, n int) []string {
	if len(s) > n {
		return s[:n]
	}
	return s
}
