package rules

import (
	"reflect"
	"strings"
	"testing"
)

func TestNginxDirectives(t *testing.T) {
	src := "user nginx;  # who\nworker_processes\n  auto;\nevents {\n  worker_connections 1024;\n}\n" +
		"http {\n  log_format main '$remote_addr \"$request\"'\n    'x\\'y';\n  server { listen 80; location / { return 200 \"a;b{c}\"; } }\n}\n" +
		"error_log /dev/stderr warn\n"
	got := nginxDirectives(src)
	want := []nginxDirective{
		{Name: "user", Args: []string{"nginx"}, Line: 1},
		{Name: "worker_processes", Args: []string{"auto"}, Line: 2},
		{Name: "events", Args: []string{}, Line: 4},
		{Name: "worker_connections", Args: []string{"1024"}, Line: 5, Depth: 1},
		{Name: "http", Args: []string{}, Line: 7},
		{Name: "log_format", Args: []string{"main", `$remote_addr "$request"`, "x'y"}, Line: 8, Depth: 1},
		{Name: "server", Args: []string{}, Line: 10, Depth: 1},
		{Name: "listen", Args: []string{"80"}, Line: 10, Depth: 2},
		{Name: "location", Args: []string{"/"}, Line: 10, Depth: 2},
		{Name: "return", Args: []string{"200", "a;b{c}"}, Line: 10, Depth: 3},
		// the unterminated last directive is dropped
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got  %+v\nwant %+v", got, want)
	}
}

// FuzzNginxDirectives: the scanner never panics and every directive it
// returns has a name and a line inside the input.
func FuzzNginxDirectives(f *testing.F) {
	for _, s := range []string{
		"worker_processes auto;\nevents {}\n",
		"http { server { listen 80; } }",
		"a 'unterminated",
		"b \"x\\\"y\" {\n}\n}}}",
		"# only a comment",
		"x\\\ny;",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		lines := strings.Count(src, "\n") + 1
		for _, d := range nginxDirectives(src) {
			if d.Line < 1 || d.Line > lines || d.Depth < 0 {
				t.Fatalf("directive %+v outside the input (%d lines)", d, lines)
			}
		}
	})
}
