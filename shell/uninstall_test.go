package shell

import "testing"

func TestUninstalls(t *testing.T) {
	cases := []struct {
		src, pkg string
		want     bool
	}{
		{"apk add --virtual .build-deps gcc make && make && apk del .build-deps", "gcc", true},
		{"apk add --virtual=.deps gcc && apk del --no-network .deps", "gcc", true},
		{"apk add -t .deps gcc && apk del gcc", "gcc", true},
		{"apk add gcc && apk del make", "gcc", false},
		{"apk add gcc && apk del $BUILD_DEPS", "gcc", true},
		{"apk add gcc || apk del gcc", "gcc", false},
		{"apt-get install -y gcc && apt-get purge -y gcc", "gcc", true},
		{"apt-get install -y gcc && apt-get purge -y --auto-remove", "gcc", false},
		{"apt-mark auto '.*'; apt-get install -y gcc; apt-get purge -y --auto-remove", "gcc", false},
		{"apt-get install -y gcc; make; apt-mark auto '.*' > /dev/null; apt-get purge -y --auto-remove -o APT::AutoRemove::RecommendsImportant=false", "gcc", true},
		{"apt-get install -y gcc; apt-mark auto '.*'; apt-get autoremove -y", "gcc", true},
		{"apt-get install -y gcc && apt-get autoremove -y", "gcc", false},
		{"apt-get install -y gcc=4:12.2.0-3 && apt-get remove -y gcc", "gcc", true},
		{"dnf install -y gcc && dnf history undo last -y", "gcc", true},
		{"dnf install -y gcc && dnf remove -y gcc", "gcc", true},
		{"zypper in -y gcc && zypper rm -y gcc", "gcc", true},
		{"apt-get install -y gcc && echo apt-get purge gcc", "gcc", false},
		{"apt-get install -y gcc && apk del gcc", "gcc", false},
	}
	for _, c := range cases {
		s := parse(t, c.src)
		ins := s.Installs()
		if len(ins) == 0 {
			t.Fatalf("%q: no install", c.src)
		}
		i := ins[0]
		if got := s.Uninstalls(i, c.pkg, i.Cmd.Index+1); got != c.want {
			t.Errorf("%q uninstalls %s = %v, want %v", c.src, c.pkg, got, c.want)
		}
	}
}

func TestInstallGroup(t *testing.T) {
	for src, want := range map[string]string{
		"apk add --virtual .build-deps gcc": ".build-deps",
		"apk add --virtual=.deps gcc":       ".deps",
		"apk add -t .t gcc":                 ".t",
		"apk add gcc":                       "",
		"apt-get install -y gcc":            "",
	} {
		if got := parse(t, src).Installs()[0].Group(); got != want {
			t.Errorf("%q: Group() = %q, want %q", src, got, want)
		}
	}
}
