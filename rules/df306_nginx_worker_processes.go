package rules

import (
	"fmt"
	"path"
	"strings"

	"github.com/shipshape-dev/shipshape/lint"
)

// NginxWorkerProcesses: P52.
var NginxWorkerProcesses = &lint.Rule{
	Code:  "DF306",
	Name:  "nginx-worker-processes",
	Title: "Do not copy an nginx.conf with `worker_processes auto`",
	Rationale: "nginx's `worker_processes auto` starts one worker per CPU it sees, and in a container it sees every " +
		"CPU of the host, not the container's CPU limit: a container limited to 2 CPUs on a 64-core node runs 64 " +
		"workers, each with its own memory and connections, that then fight over 2 CPUs. Set the number of " +
		"workers to the container's CPU count, or on the official nginx image set " +
		"`NGINX_ENTRYPOINT_WORKER_PROCESSES_AUTOTUNE=1`, which fits `auto` to the CPU limit at start. The rule " +
		"reads the nginx configuration files the Dockerfile copies from the build context (nginx.conf, *.conf " +
		"under an nginx directory or copied to /etc/nginx), up to 1 MiB each.",
	Severity: lint.Warning,
	Practice: []string{"P52"},
	Bad:      "FROM nginx:1.27-alpine\nCOPY nginx.conf /etc/nginx/nginx.conf\nCOPY dist/ /usr/share/nginx/html/\n",
	Good:     "FROM nginx:1.27-alpine\nCOPY nginx-2cpu.conf /etc/nginx/nginx.conf\nCOPY dist/ /usr/share/nginx/html/\n",
	Check:    checkNginxWorkers,
}

// nginxMaxFiles bounds how many configuration files one Dockerfile makes the rule read.
const nginxMaxFiles = 32

func checkNginxWorkers(p *lint.Pass) {
	if v, ok := rtFinalEnv(p.File).Get("NGINX_ENTRYPOINT_WORKER_PROCESSES_AUTOTUNE"); ok && v != "" {
		return
	}
	var fromContext bool
	for _, in := range rtShipping(p.File) {
		if srcs, _ := lint.ContextSources(in); len(srcs) > 0 && in.Is("copy", "add") {
			fromContext = true
			break
		}
	}
	if !fromContext {
		return
	}
	r := p.Sources()
	if r == nil {
		return
	}
	read := 0
	for _, c := range dcShippedCopies(p, r) {
		for _, res := range c.Sources {
			for _, f := range res.Copies {
				if !isNginxConf(f.Path, c.landsAt(res, f), isRootSource(res.Source)) || read >= nginxMaxFiles {
					continue
				}
				read++
				data, ok := dcRead(r.Context(), f.File)
				if !ok {
					continue
				}
				for _, d := range nginxDirectives(string(data)) {
					if d.Depth == 0 && d.Name == "worker_processes" && len(d.Args) == 1 && d.Args[0] == "auto" {
						reportSource(p, c.In, res.Source, fmt.Sprintf("`%s:%d` sets `worker_processes auto;`: auto starts one "+
							"worker per host CPU, not per container CPU limit, so a CPU-limited container runs far more workers "+
							"than it has CPUs; set worker_processes to the container's CPU count (or "+
							"NGINX_ENTRYPOINT_WORKER_PROCESSES_AUTOTUNE=1 on the official image)", f.Path, d.Line))
					}
				}
			}
		}
	}
}

// isNginxConf reports whether a copied file is nginx configuration: a .conf
// copied under /etc/nginx, or one that a COPY names itself (not the whole
// context) and that is called nginx.conf or sits in a directory named nginx.
func isNginxConf(ctxPath string, landsAt []string, wholeContext bool) bool {
	base := path.Base(ctxPath)
	if path.Ext(base) != ".conf" {
		return false
	}
	for _, at := range landsAt {
		if strings.HasPrefix(at, "/etc/nginx/") {
			return true
		}
	}
	if wholeContext {
		return false
	}
	if base == "nginx.conf" {
		return true
	}
	for _, e := range strings.Split(path.Dir(ctxPath), "/") {
		if e == "nginx" {
			return true
		}
	}
	return false
}

// nginxDirective is one simple or block directive of an nginx configuration.
type nginxDirective struct {
	Name  string
	Args  []string
	Line  int // where its name is
	Depth int // how many blocks enclose it
}

// nginxDirectives reads an nginx configuration into its directives. It
// follows nginx's own lexical rules (words, '…' and "…" strings with
// backslash escapes, # comments, { } ;) and never fails: what does not
// close is dropped.
func nginxDirectives(src string) []nginxDirective {
	var (
		out   []nginxDirective
		words []string
		first int // line of words[0]
		depth int
		line  = 1
	)
	flush := func(block bool) {
		if len(words) > 0 {
			out = append(out, nginxDirective{Name: words[0], Args: words[1:], Line: first, Depth: depth})
		}
		words = nil
		if block {
			depth++
		}
	}
	for i := 0; i < len(src); {
		c := src[i]
		switch {
		case c == '\n':
			line++
			i++
		case c == ' ' || c == '\t' || c == '\r':
			i++
		case c == '#':
			for i < len(src) && src[i] != '\n' {
				i++
			}
		case c == ';':
			flush(false)
			i++
		case c == '{':
			flush(true)
			i++
		case c == '}':
			words = nil
			if depth > 0 {
				depth--
			}
			i++
		default:
			if len(words) == 0 {
				first = line
			}
			var w strings.Builder
			i, line = nginxWord(src, i, line, &w)
			words = append(words, w.String())
		}
	}
	return out
}

// nginxWord reads one word from src[i:], quoted or not, and returns where it
// ends and the line count after it.
func nginxWord(src string, i, line int, w *strings.Builder) (int, int) {
	if q := src[i]; q == '"' || q == '\'' {
		for i++; i < len(src) && src[i] != q; i++ {
			if src[i] == '\\' && i+1 < len(src) {
				i++
			}
			if src[i] == '\n' {
				line++
			}
			w.WriteByte(src[i])
		}
		return i + 1, line
	}
	for ; i < len(src); i++ {
		c := src[i]
		if c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == ';' || c == '{' || c == '}' {
			break
		}
		if c == '\\' && i+1 < len(src) {
			i++
			c = src[i]
			if c == '\n' {
				line++
			}
		}
		w.WriteByte(c)
	}
	return i, line
}
