package rules

import (
	"strconv"
	"strings"

	"github.com/shipshape-dev/shipshape/dockerfile"
	"github.com/shipshape-dev/shipshape/lint"
)

// ExposeValid: P46.
var ExposeValid = &lint.Rule{
	Code:  "DF410",
	Name:  "expose-valid",
	Title: "EXPOSE valid container ports and protocols",
	Rationale: "EXPOSE takes container ports from 0 to 65535, optionally as a rising range and with the protocol " +
		"tcp, udp or sctp; anything else fails the build. A `host:container` mapping does not fail: BuildKit " +
		"silently keeps only the container port, because EXPOSE documents what the container listens on and " +
		"never publishes a host port, so the mapping the author meant never happens.",
	Severity: lint.Error,
	Fixable:  true,
	Aliases:  []string{"DL3011"},
	Practice: []string{"P46"},
	Bad:      "FROM nginx:1.25\nEXPOSE 80:80 443:443\n",
	Good:     "FROM nginx:1.25\nEXPOSE 80 443/tcp\n",
	Check: func(p *lint.Pass) {
		for _, s := range p.File.Stages {
			rtWalkEnv(p.File, s, func(in *dockerfile.Instruction, env *rtEnv) {
				if in.Name == "expose" {
					rtCheckExpose(p, in, env)
				}
			})
		}
	},
}

func rtCheckExpose(p *lint.Pass, in *dockerfile.Instruction, env *rtEnv) {
	for _, tok := range rtTokens(in) {
		ports, ok := rtPorts(p.File, env, tok)
		if !ok {
			continue // a variable without a value here: only known at build time
		}
		via := ""
		if strings.Contains(tok.Text, "$") {
			via = "`" + tok.Text + "` (`" + strings.Join(ports, " ") + "` with the defaults this file sets)"
		}
		for _, port := range ports {
			msg, fix := rtCheckPort(port)
			if msg == "" {
				continue
			}
			subject := "`" + tok.Text + "`"
			if via != "" {
				subject = via
			}
			if via != "" && fix != "" {
				// keep the variables: `${PORT}:${PORT}` becomes `${PORT}`
				raw := tok.Text[strings.LastIndex(tok.Text, ":")+1:]
				if got, ok := rtPorts(p.File, env, rtToken{Text: raw}); ok && len(got) == 1 && got[0] == fix {
					msg = strings.Replace(msg, "`EXPOSE "+fix+"`", "`EXPOSE "+raw+"`", 1)
					port, fix = tok.Text, raw
				}
			}
			f := rtReportSpan(p, in, tok.From, tok.Upto, subject+": "+msg)
			if fix != "" && port == tok.Text {
				start := in.Args.PosAt(tok.From)
				end := in.Args.PosAt(tok.Upto - 1)
				end.Col++
				if start.Line == end.Line {
					f.Fix = &lint.Fix{Description: "EXPOSE " + fix, Edits: []lint.Edit{{
						Line: start.Line, Column: start.Col, EndLine: end.Line, EndColumn: end.Col, New: fix}}}
				}
			}
			break
		}
	}
}

// rtCheckPort checks one EXPOSE port the way BuildKit parses it
// ([ip:][hostPort:]port[-port][/proto]); it returns what is wrong and, when the
// intent is plain, the word to write instead.
func rtCheckPort(spec string) (msg, fix string) {
	parts := strings.Split(spec, ":")
	container := parts[len(parts)-1]
	port, proto, hasProto := strings.Cut(container, "/")
	switch strings.ToLower(proto) {
	case "", "tcp", "udp", "sctp":
	default:
		return "protocol `" + proto + "` is not tcp, udp or sctp and the build fails; the protocol is the " +
			"transport, not the application protocol: write `" + port + "/tcp` (or just `" + port + "`)", ""
	}
	if msg, fix := rtCheckRange(port); msg != "" {
		if fix != "" {
			if hasProto {
				fix += "/" + proto
			}
			msg += "; write `" + fix + "`"
		}
		return msg, fix
	}
	if host := strings.Join(parts[:len(parts)-1], ":"); host != "" {
		return "EXPOSE cannot map a host port: BuildKit drops `" + host + ":` and exposes only container port `" +
			container + "`; write `EXPOSE " + container + "` and publish at run time with `docker run -p " + spec + "` " +
			"(or `ports:` in compose)", container
	}
	return "", ""
}

// rtCheckRange checks a port or a start-end range.
func rtCheckRange(r string) (msg, fix string) {
	if r == "" {
		return "no port number is given and the build fails; write the port the app listens on, e.g. `8080`", ""
	}
	start, end, isRange := strings.Cut(r, "-")
	a, msg := rtPortNumber(start)
	if msg != "" {
		return msg, ""
	}
	if !isRange || start == end {
		return "", ""
	}
	b, msg := rtPortNumber(end)
	if msg != "" {
		return msg, ""
	}
	if b < a {
		return "the range runs backwards (" + start + " is above " + end + ") and the build fails", end + "-" + start
	}
	return "", ""
}

func rtPortNumber(s string) (int, string) {
	if s == "" {
		return 0, "a port number of the range is missing and the build fails"
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil && (s == "" || strings.Trim(s, "0123456789") != "") {
		return 0, "`" + s + "` is not a port number and the build fails; EXPOSE takes numbers such as `8080`, " +
			"not service names"
	}
	if err != nil || n < 0 || n > 65535 {
		return 0, "port `" + s + "` is out of range: ports run from 0 to 65535, and the build fails"
	}
	return int(n), ""
}
