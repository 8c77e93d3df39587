package shell

import (
	"strings"
	"testing"
)

// lineMapper maps offsets of a multi-line string to 1-based line:col.
func lineMapper(src string) Mapper {
	return func(off int) Pos {
		line, col := 1, 1
		for i := 0; i < off && i < len(src); i++ {
			if src[i] == '\n' {
				line, col = line+1, 1
			} else {
				col++
			}
		}
		return Pos{line, col}
	}
}

func parse(t *testing.T, src string) *Script {
	t.Helper()
	s, err := Parse(src, lineMapper(src))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func names(s *Script) string {
	var out []string
	for _, c := range s.Commands {
		out = append(out, c.Name)
	}
	return strings.Join(out, " ")
}

func TestWrappersAndNesting(t *testing.T) {
	s := parse(t, `sudo -u root env DEBIAN_FRONTEND=noninteractive apt-get install -y curl && sh -c 'apk add --no-cache git; nice -n 5 make' || true`)
	if got := names(s); got != "apt-get sh apk make true" {
		t.Fatalf("commands = %q", got)
	}
	apt := s.Commands[0]
	if strings.Join(apt.Wrappers, ",") != "sudo,env" || apt.Assigns[0] != "DEBIAN_FRONTEND=noninteractive" {
		t.Errorf("wrappers %v assigns %v", apt.Wrappers, apt.Assigns)
	}
	if !apt.HasFlag("y") || apt.Subcommand("-o") != "install" {
		t.Errorf("flags")
	}
	apk := s.Commands[2]
	if apk.Pos != (Pos{1, 83}) {
		t.Errorf("apk inside sh -c at %v, want 1:83", apk.Pos)
	}
	if !s.Commands[4].OnFailure || s.Commands[0].OnFailure {
		t.Errorf("OnFailure must mark only the right of ||")
	}
}

func TestCommentsAreNotCommands(t *testing.T) {
	s := parse(t, "echo 'apt-get update' # apt-get upgrade\n")
	if got := names(s); got != "echo" {
		t.Fatalf("commands = %q", got)
	}
}

func TestGroupedShortFlags(t *testing.T) {
	s := parse(t, "apt-get -qy install --no-install-recommends=true curl=7.88.1-10 'vim'")
	c := s.Commands[0]
	if !c.HasFlag("y") || !c.HasFlag("q") || !c.HasFlag("no-install-recommends") || c.HasFlag("x") {
		t.Errorf("HasFlag wrong on %v", c.Args)
	}
	in, ok := InstallOf(c)
	if !ok || in.Manager != Apt || len(in.Packages) != 2 || in.Packages[1].Value != "vim" {
		t.Fatalf("install = %+v", in)
	}
	if PackageName(Apt, in.Packages[0].Value) != "curl" {
		t.Errorf("PackageName")
	}
}

func TestPipesAndBackground(t *testing.T) {
	s := parse(t, "curl -fsSL https://x | tar -xz\nnginx &\nphp-fpm")
	if len(s.Pipes) != 1 || s.Pipes[0] != (Pos{1, 22}) {
		t.Errorf("pipes = %v", s.Pipes)
	}
	if !s.Commands[0].Piped || !s.Commands[2].Background || s.Commands[3].Background {
		t.Errorf("piped/background flags wrong")
	}
}

func TestInstallManagers(t *testing.T) {
	cases := map[string]Manager{
		"python3 -m pip install flask":         Pip,
		"uv pip install flask":                 Pip,
		"pip3.11 install --no-cache-dir flask": Pip,
		"yarn global add typescript":           Yarn,
		"dnf -y install gcc":                   Dnf,
		"microdnf install gcc":                 Dnf,
		"go install golang.org/x/tools@v0.1":   Go,
		"npm ci":                               Npm,
	}
	for src, want := range cases {
		s := parse(t, src)
		in, ok := InstallOf(s.Commands[0])
		if !ok || in.Manager != want {
			t.Errorf("%q: got %+v, want %s", src, in, want)
		}
	}
	for _, src := range []string{"apt-get update", "pip list", "npm run build", "go build ./..."} {
		if in, ok := InstallOf(parse(t, src).Commands[0]); ok {
			t.Errorf("%q is no install: %+v", src, in)
		}
	}
}

// A word followed by a continuation ends on its own line.
func TestWordEndBeforeContinuation(t *testing.T) {
	// The mapper of a Dockerfile joins "apt-get install \" and "  curl" into one
	// logical line; simulate that: offsets 0–15 on line 1, 16… on line 2 col 3.
	src := "apt-get install curl"
	m := func(off int) Pos {
		if off < 16 {
			return Pos{1, 5 + off}
		}
		return Pos{2, 3 + off - 16}
	}
	s, err := Parse(src, m)
	if err != nil {
		t.Fatal(err)
	}
	install := s.Commands[0].Args[0]
	if install.End != (Pos{1, 20}) {
		t.Errorf("install ends at %v, want 1:20", install.End)
	}
	if curl := s.Commands[0].Args[1]; curl.Pos != (Pos{2, 3}) || curl.End != (Pos{2, 7}) {
		t.Errorf("curl at %v–%v", curl.Pos, curl.End)
	}
}

func TestExportIsACommand(t *testing.T) {
	s := parse(t, `export PIP_NO_CACHE_DIR=1 "X=a b" && pip install flask`)
	if got := names(s); got != "export pip" {
		t.Fatalf("commands = %q", got)
	}
	a := s.Commands[0].Args
	if len(a) != 2 || a[0].Value != "PIP_NO_CACHE_DIR=1" || !a[0].Literal || a[0].Pos != (Pos{1, 8}) {
		t.Errorf("args = %+v", a)
	}
}

func TestSudoWithAssignment(t *testing.T) {
	s := parse(t, "sudo DEBIAN_FRONTEND=noninteractive apt install -y curl")
	c := s.Commands[0]
	if c.Name != "apt" || c.Assigns[0] != "DEBIAN_FRONTEND=noninteractive" || c.Wrappers[0] != "sudo" {
		t.Errorf("got %+v", c)
	}
}
