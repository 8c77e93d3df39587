package rules

import (
	"strings"

	"github.com/shipshape-dev/shipshape/lint"
	"github.com/shipshape-dev/shipshape/shell"
)

// SingleProcess: P44.
var SingleProcess = &lint.Rule{
	Code:  "DF408",
	Name:  "single-process",
	Title: "Run one process per container",
	Rationale: "Docker watches exactly one process, PID 1: when the container also runs daemons started with " +
		"`service x start`, commands sent to the background with `&`, or programs under supervisord, a crash of " +
		"any of them goes unnoticed, their logs and signals are not handled, and they can only be scaled and " +
		"updated together. Give each process its own container (compose services, pods) and let the orchestrator restart them.",
	Severity: lint.Warning,
	Practice: []string{"P44"},
	Bad:      "FROM php:8.3-fpm-bookworm\nRUN apt-get update && apt-get install -y --no-install-recommends nginx && rm -rf /var/lib/apt/lists/*\nCMD nginx -g 'daemon off;' & php-fpm\n",
	Good:     "FROM php:8.3-fpm-bookworm\nCMD [\"php-fpm\"]\n",
	Check: func(p *lint.Pass) {
		for _, r := range rtFinalRuns(p) {
			for _, c := range r.Commands {
				msg := rtSecondProcess(r, c)
				switch {
				case msg == "":
				case c.Name == "supervisord":
					p.ReportWord(c.Prog, msg)
				default:
					p.ReportCommand(c, msg)
				}
			}
		}
	},
}

const rtOneProcessAdvice = "run one process per container (a separate container or compose service for each), " +
	"or, if they really must share one, a supervisor that handles signals and restarts, such as s6-overlay under tini"

// rtSecondProcess explains why c starts one of several long-lived processes, or returns "".
func rtSecondProcess(r *rtRun, c *shell.Command) string {
	switch {
	case c.Name == "supervisord":
		return "`supervisord` makes the container run several programs behind one PID 1: docker sees only " +
			"supervisord, so a program that crashes is restarted (or not) out of sight, logs interleave and " +
			"every program scales together; " + rtOneProcessAdvice
	case rtStartsService(c) != "":
		next := rtLaterProcess(r, c)
		if next == nil {
			return ""
		}
		svc := rtStartsService(c)
		return "`" + rtQuote(c) + "` starts " + svc + " as a background daemon and then `" + rtQuote(next) +
			"` runs too: the container runs several long-lived processes but docker watches only PID 1, so if " +
			svc + " dies nothing notices, and its logs never reach `docker logs`; " + rtOneProcessAdvice
	case c.Background:
		next := rtLaterProcess(r, c)
		if next == nil || c.Name == "" {
			return ""
		}
		return "`" + rtQuote(c) + " &` runs in the background beside `" + rtQuote(next) + "`: the container runs " +
			"several long-lived processes but docker watches only PID 1, so if " + c.Name + " dies the container keeps " +
			"running without it, and `docker stop` never sends it SIGTERM; " + rtOneProcessAdvice
	}
	return ""
}

// rtStartsService returns the service that `service x start`, `/etc/init.d/x start`
// or `rc-service x start` starts, or "".
func rtStartsService(c *shell.Command) string {
	verb := func(v string) bool { return v == "start" || v == "restart" }
	switch {
	case c.Name == "service" || c.Name == "rc-service":
		if pos := c.Positionals(); len(pos) >= 2 && verb(pos[1].Value) {
			return pos[0].Value
		}
	case c.Prog.Literal && strings.HasPrefix(c.Prog.Value, "/etc/init.d/"):
		if verb(c.Arg(0)) {
			return c.Name
		}
	}
	return ""
}

// rtShortLived are commands that return at once: after `a &` they do not make a second process.
var rtShortLived = map[string]bool{
	"wait": true, "trap": true, "echo": true, "printf": true, "true": true, "false": true, ":": true,
	"set": true, "export": true, "kill": true, "exit": true, "cd": true, "test": true, "[": true,
	"mkdir": true, "chown": true, "chmod": true, "rm": true, "cp": true, "mv": true, "ln": true, "touch": true,
}

// rtLaterProcess returns the first command after c in the same script that keeps running.
func rtLaterProcess(r *rtRun, c *shell.Command) *shell.Command {
	for _, d := range r.Commands {
		if d.Index <= c.Index || d.Name == "" || rtShortLived[d.Name] {
			continue
		}
		if rtWithin(d, c) {
			continue // part of c, e.g. its $(…)
		}
		return d
	}
	return nil
}

// rtQuote renders a command's program and first simple arguments for a message.
func rtQuote(c *shell.Command) string {
	parts := []string{c.Prog.Value}
	for i, a := range c.Args {
		if i == 2 {
			break
		}
		if !a.Literal || a.Value == "" || strings.ContainsAny(a.Value, " \t\n") {
			// do not end on a flag whose value is left out
			if last := parts[len(parts)-1]; len(parts) > 1 && strings.HasPrefix(last, "-") {
				parts = parts[:len(parts)-1]
			}
			break
		}
		parts = append(parts, a.Value)
	}
	return strings.Join(parts, " ")
}
