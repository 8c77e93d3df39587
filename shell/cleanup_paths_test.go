package shell

import (
	"strings"
	"testing"
)

func TestRemoves(t *testing.T) {
	cases := []struct {
		src, dir string
		want     bool
	}{
		{"rm -rf /var/lib/apt/lists/*", "/var/lib/apt/lists", true},
		{"rm -fr /var/lib/apt/lists", "/var/lib/apt/lists", true},
		{"rm -rf /tmp/* /var/lib/apt", "/var/lib/apt/lists", true},
		{"rm -rf /var/lib/apt/lists/partial", "/var/lib/apt/lists", false},
		{"rm -rf /var/cache/apt/archives", "/var/lib/apt/lists", false},
		{`rm -rf "$HOME/.cache/pip"`, "~/.cache/pip", true},
		{"rm -rf /root/.cache", "~/.cache/pip", true},
		{"rm -rf /home/app/.npm", "~/.npm", true},
		{"rm -rf $CACHE", "~/.npm", false},
		{"rm -rf /", "/var/cache/apk", false},
		{"echo rm -rf /var/cache/apk", "/var/cache/apk", false},
		{"find /var/lib/apt/lists -type f -delete", "/var/lib/apt/lists", true},
		{"find /var/lib/apt/lists -name '*.gz' -delete", "/var/lib/apt/lists", false},
		{"find /var/lib/apt/lists -type f", "/var/lib/apt/lists", false},
	}
	for _, c := range cases {
		s := parse(t, c.src)
		if got := s.Commands[0].Removes(c.dir); got != c.want {
			t.Errorf("%q removes %s = %v, want %v", c.src, c.dir, got, c.want)
		}
	}
}

func TestFlagValuesAndDryRun(t *testing.T) {
	c := parse(t, "apt-get -o A=1 -oB=2 --option C=3 --option=D=4 install -s curl").Commands[0]
	if got := strings.Join(c.FlagValues("-o", "--option"), " "); got != "A=1 B=2 C=3 D=4" {
		t.Errorf("FlagValues = %q", got)
	}
	in, _ := InstallOf(c)
	if !in.DryRun() {
		t.Errorf("apt-get install -s is a dry run")
	}
	in, _ = InstallOf(parse(t, "dnf install -y httpd").Commands[0])
	if in.DryRun() {
		t.Errorf("dnf install -y is no dry run")
	}
}
