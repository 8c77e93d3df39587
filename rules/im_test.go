package rules

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/rogpeppe/go-internal/txtar"

	"github.com/shipshape-dev/shipshape/analyze"
	"github.com/shipshape-dev/shipshape/dockerfile"
	"github.com/shipshape-dev/shipshape/image"
	"github.com/shipshape-dev/shipshape/internal/testimages"
	"github.com/shipshape-dev/shipshape/layers"
	"github.com/shipshape-dev/shipshape/lint"
)

func TestMain(m *testing.M) { os.Exit(testimages.RunTests(m)) }

// The image checks' cases: in imNNN_name.txtar, `CASE/image` names one of
// the images of internal/testimages.Checks (built with buildah, shared by
// all checks), `CASE/config.yaml` is an optional configuration and
// `CASE/want` the findings, one line each: `layer=L line=N CODE bytes=B
// [base] MESSAGE` (layer -1 for the config; line 0 when no Dockerfile line
// matched). The image's Dockerfile is always given, as --dockerfile does.

type imCase struct {
	name, image, config, want string
}

func readIMCases(t *testing.T, path string) (*txtar.Archive, []*imCase) {
	return readCaseFile(t, path, func(name string) *imCase { return &imCase{name: name} }, func(c *imCase, file string, data []byte) {
		switch file {
		case "image":
			c.image = strings.TrimSpace(string(data))
		case "config.yaml":
			c.config = string(data)
		case "want":
			c.want = string(data)
		default:
			t.Fatalf("%s: unknown section %q", path, c.name+"/"+file)
		}
	})
}

// imTarget is one Checks image read and analyzed once for every check.
type imTarget struct {
	target *lint.ImageTarget
	file   *dockerfile.File
	built  *testimages.Built
}

var imTargets struct {
	sync.Mutex
	m map[string]*imTarget
}

func checkImage(t *testing.T, name string) *imTarget {
	t.Helper()
	imTargets.Lock()
	defer imTargets.Unlock()
	if x := imTargets.m[name]; x != nil {
		return x
	}
	var spec *testimages.Spec
	for i := range testimages.Checks {
		if testimages.Checks[i].Name == name {
			spec = &testimages.Checks[i]
		}
	}
	if spec == nil {
		t.Fatalf("no image %q in testimages.Checks", name)
	}
	b := testimages.BuildChecks(t, *spec)
	f, _, err := dockerfile.Parse("Dockerfile", []byte(spec.Dockerfile))
	if err != nil {
		t.Fatal(err)
	}
	x := &imTarget{target: analyzeImage(t, b.DockerArchive, f), file: f, built: b}
	if imTargets.m == nil {
		imTargets.m = map[string]*imTarget{}
	}
	imTargets.m[name] = x
	return x
}

// analyzeImage reads an image as `shipshape inspect --dockerfile` does, with
// every image check's reads (IM212's included).
func analyzeImage(t testing.TB, ref string, f *dockerfile.File) *lint.ImageTarget {
	t.Helper()
	ctx := context.Background()
	src, err := image.Open(ctx, ref, image.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	l := &lint.Linter{Rules: imageRules(), Config: &lint.Config{Enable: []string{"IM*"}}}
	contents := l.NewContents("Dockerfile", src.Config, len(src.Layers))
	opts := layers.Options{}
	if contents != nil {
		opts.Visit = contents.Visit
	}
	im, err := layers.Read(ctx, src, opts)
	if err != nil {
		t.Fatal(err)
	}
	res := analyze.Analyze(im, nil)
	if f != nil {
		analyze.MatchDockerfile(res, f)
	}
	RedactHistory(res)
	return &lint.ImageTarget{Result: res, Contents: contents}
}

func imageRules() []*lint.Rule {
	var out []*lint.Rule
	for _, r := range All() {
		if r.Scope == lint.ScopeImage {
			out = append(out, r)
		}
	}
	return out
}

func renderIM(fs []lint.Finding) string {
	var b strings.Builder
	for _, f := range fs {
		layer, base := -1, ""
		if f.Image != nil {
			layer = f.Image.Layer
			if f.Image.Base {
				base = " base"
			}
		}
		fmt.Fprintf(&b, "layer=%d line=%d %s bytes=%d%s %s\n", layer, f.Line, f.Code, f.Bytes, base, f.Message)
	}
	return b.String()
}

func lintImage(t *testing.T, rs []*lint.Rule, x *imTarget, config string) lint.Result {
	t.Helper()
	cfg := &lint.Config{}
	if config != "" {
		p := filepath.Join(t.TempDir(), ".shipshape.yaml")
		if err := os.WriteFile(p, []byte(config), 0o644); err != nil {
			t.Fatal(err)
		}
		var err error
		if cfg, err = lint.LoadConfig(p); err != nil {
			t.Fatal(err)
		}
		cfg.Path = ""
	}
	if len(rs) == 1 {
		cfg.Enable = append(cfg.Enable, rs[0].Code)
	}
	return (&lint.Linter{Rules: rs, Config: cfg}).LintImage(x.target, x.file)
}

func TestImageRuleCases(t *testing.T) {
	testimages.Require(t, "buildah")
	for _, r := range imageRules() {
		t.Run(r.Code, func(t *testing.T) {
			path := caseFile(r)
			if path == "" {
				t.Fatalf("check %s has no test file %s_<name>.txtar", r.Code, strings.ToLower(r.Code))
			}
			a, cases := readIMCases(t, path)
			cr := &caseRun{t: t, path: path, a: a, code: r.Code}
			for _, c := range cases {
				if c.image == "" {
					t.Fatalf("%s: case %s names no image", path, c.name)
				}
				res := lintImage(t, []*lint.Rule{r}, checkImage(t, c.image), c.config)
				got := renderIM(res.Findings)
				cr.check(c.name, got, c.want)
			}
			cr.finish(1)
		})
	}
}

// The bad service image holds every planted problem, each found once, on
// the layer and line that planted it; the same service done right gives
// nothing above info.
func TestImagePlantedProblems(t *testing.T) {
	testimages.Require(t, "buildah")
	cases := []struct {
		image string
		want  []string // code@line, in report order
	}{
		{"check-bad", []string{
			"IM201@5", "IM201@6", "IM205@6", "IM405@6", "IM407@6", "IM408@6",
			"IM204@7", "IM210@7", "IM211@9", "IM401@10", "IM202@12",
			"IM403@13", "IM403@14", "IM403@14", "IM404@1", "IM409@16", "IM410@17", "IM411@1",
		}},
		{"check-worker", []string{
			"IM204@4", "IM209@4", "IM402@4", "IM202@5", "IM202@5", "IM207@5",
			"IM402@9", "IM402@10", "IM402@11", "IM211@13", "IM406@13", "IM405@14",
			"IM412@16", "IM404@17",
		}},
		{"check-good", nil},
		{"check-musl-bad", []string{"IM101@5"}},
		{"check-musl-good", nil},
	}
	for _, c := range cases {
		t.Run(c.image, func(t *testing.T) {
			x := checkImage(t, c.image)
			res := lintImage(t, imageRules(), x, "")
			var got []string
			for _, f := range res.Findings {
				if f.Severity.AtLeast(lint.Warning) || f.Code == "IM411" {
					got = append(got, fmt.Sprintf("%s@%d", f.Code, f.Line))
				}
			}
			if strings.Join(got, " ") != strings.Join(c.want, " ") {
				t.Errorf("findings at warning or above (and IM411):\n got: %s\nwant: %s\n%s", strings.Join(got, " "),
					strings.Join(c.want, " "), renderIM(res.Findings))
			}
		})
	}
}

// TestImageExamples checks that every image check's documented examples are
// Dockerfiles that parse (the cases build real images instead).
func TestImageExamples(t *testing.T) {
	for _, r := range imageRules() {
		for name, src := range map[string]string{"Bad": r.Bad, "Good": r.Good} {
			if _, _, err := dockerfile.Parse("Dockerfile", []byte(src)); err != nil {
				t.Errorf("%s: its %s example does not parse: %v", r.Code, name, err)
			}
		}
	}
}
