package shell

import (
	"fmt"
	"strings"
	"testing"
)

func TestPlainArgv(t *testing.T) {
	for src, want := range map[string]string{
		`nginx -g 'daemon off;'`:             `nginx|-g|daemon off;`,
		`gunicorn -b "0.0.0.0:8000" app:app`: `gunicorn|-b|0.0.0.0:8000|app:app`,
		`python3`:                            `python3`,
		`node server.js --port=3000`:         `node|server.js|--port=3000`,
		`echo $HOME`:                         ``,
		`node "$APP"`:                        ``,
		`a && b`:                             ``,
		`a; b`:                               ``,
		`a;`:                                 ``,
		`a | b`:                              ``,
		`a > log`:                            ``,
		`a &`:                                ``,
		`ls *.txt`:                           ``,
		`cat ~/x`:                            ``,
		`echo {a,b}`:                         ``,
		`X=1 app`:                            ``,
		`app # comment`:                      ``,
		`exec app`:                           ``,
		`cd /app`:                            ``,
		`echo "a\"b"`:                        ``,
		`echo $'x'`:                          ``,
		"echo `id`":                          ``,
		`a 'b`:                               ``,
	} {
		argv, ok := PlainArgv(src)
		got := strings.Join(argv, "|")
		if ok != (want != "") || got != want {
			t.Errorf("PlainArgv(%q) = %q, %v; want %q", src, got, ok, want)
		}
	}
}

func TestRedirects(t *testing.T) {
	src := "echo \"//r/:_authToken=${NPM_TOKEN}\" > ~/.npmrc && make 2> err.log && sh -c 'printf x >> /root/.netrc' && cat <<EOF > .pypirc\n[pypi]\nEOF\ncmd &> all.log; tee 1>o"
	rs, err := Redirects(src, lineMapper(src))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range rs {
		got = append(got, fmt.Sprintf("%s%s@%d:%d<%s", r.Op, r.Target.Value, r.Stmt.Line, r.Stmt.Col, strings.TrimSpace(r.Input)))
	}
	want := []string{
		">~/.npmrc@1:1<",
		">>/root/.netrc@1:77<",
		">.pypirc@1:106<[pypi]",
		"&>all.log@4:1<",
		">o@4:17<",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("redirects:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
