package rules

import (
	"strconv"
	"strings"

	"github.com/shipshape-dev/shipshape/dockerfile"
	"github.com/shipshape-dev/shipshape/lint"
	"github.com/shipshape-dev/shipshape/shell"
)

// AlpineGlibc: P03.
var AlpineGlibc = &lint.Rule{
	Code:  "DF103",
	Name:  "alpine-glibc",
	Title: "Do not put glibc-only software on an Alpine base",
	Rationale: "Alpine is built on musl, not glibc. Binaries built for glibc (most JDK, Node.js and .NET tarballs, " +
		"`*-linux-gnu` releases) do not start on it, and Python packages that publish no musl wheels are " +
		"compiled from source by pip, which is slow, needs a compiler in the image, or fails. The rule reports " +
		"only packages and downloads known to lack a musl build; a Debian `-slim` base or a musl build avoids the problem.",
	Severity: lint.Warning,
	Practice: []string{"P03"},
	Bad:      "FROM python:3.12-alpine\nRUN pip install --no-cache-dir torch==2.4.1\nCOPY app.py /app/\nCMD [\"python\", \"/app/app.py\"]\n",
	Good:     "FROM python:3.12-slim\nRUN pip install --no-cache-dir torch==2.4.1\nCOPY app.py /app/\nCMD [\"python\", \"/app/app.py\"]\n",
	Check: func(p *lint.Pass) {
		final := p.File.FinalStage()
		root, ok := rootImage(p.File, final)
		if !ok || !isAlpineImage(root.Image) {
			return
		}
		stages := shippingStages(p.File)
		compat := installsGlibcCompat(p, stages)
		for _, s := range stages {
			for _, in := range s.Instructions {
				if in.Name == "add" && !compat {
					checkGlibcADD(p, in, root)
				}
				sc := p.Script(in)
				if sc == nil {
					continue
				}
				for _, i := range sc.Installs() {
					if i.Manager == shell.Pip {
						checkMuslWheels(p, i, root)
					}
				}
				if compat {
					continue
				}
				for _, c := range sc.Commands {
					if c.Is("curl", "wget") {
						for _, w := range c.Args {
							if glibcURL(w.Value) {
								reportOnWord(p, w, glibcMessage(w.Value, root))
							}
						}
					}
				}
			}
		}
	},
}

func checkGlibcADD(p *lint.Pass, in *dockerfile.Instruction, root fromImage) {
	op, ok := copyOf(in)
	if !ok {
		return
	}
	for _, src := range op.Sources {
		if isHTTPURL(src) && glibcURL(src) {
			reportSource(p, in, src, glibcMessage(src, root))
		}
	}
}

// isAlpineImage reports whether an image is Alpine Linux (musl): alpine itself,
// or a tag with "alpine" in it such as python:3.12-alpine.
func isAlpineImage(r imageRef) bool {
	return r.Name() == "alpine" || strings.Contains(strings.ToLower(r.Tag), "alpine")
}

// installsGlibcCompat reports whether a shipping stage installs a glibc
// compatibility layer (gcompat, libc6-compat, a glibc apk): the author has
// dealt with glibc binaries.
func installsGlibcCompat(p *lint.Pass, stages []*dockerfile.Stage) bool {
	for _, s := range stages {
		for _, in := range s.Instructions {
			sc := p.Script(in)
			if sc == nil {
				continue
			}
			for _, i := range sc.Installs() {
				if i.Manager != shell.Apk {
					continue
				}
				for _, w := range i.Packages {
					n := strings.ToLower(shell.PackageName(shell.Apk, w.Value))
					if n == "gcompat" || n == "libc6-compat" || strings.Contains(n, "glibc") {
						return true
					}
				}
			}
		}
	}
	return false
}

// glibcURL reports whether a download URL names a glibc build: a `*-linux-gnu`
// target, "glibc", or the linux-x64 tarball of a JDK, Node.js, .NET or Bun.
func glibcURL(u string) bool {
	if !strings.Contains(u, "://") {
		return false
	}
	l := strings.ToLower(u)
	if strings.Contains(l, "musl") || strings.Contains(l, "alpine") || strings.Contains(l, "static") {
		return false
	}
	if strings.Contains(l, "-linux-gnu") || strings.Contains(l, "_linux-gnu") || strings.Contains(l, "glibc") {
		return true
	}
	if !strings.Contains(l, "linux-x64") && !strings.Contains(l, "linux_x64") && !strings.Contains(l, "linux-aarch64") && !strings.Contains(l, "linux-arm64") {
		return false
	}
	for _, k := range []string{"jdk", "jre", "java", "temurin", "corretto", "graalvm", "zulu", "node", "dotnet", "aspnetcore", "bun-"} {
		if strings.Contains(l, k) {
			return true
		}
	}
	return false
}

func glibcMessage(u string, root fromImage) string {
	return "`" + shorten(u, 90) + "` is a glibc build, but the image is Alpine (`" + root.Ref + "`, musl libc): it fails to " +
		"start with `not found` or missing-symbol errors; download " + muslBuildHint(u) + ", or use a glibc base such as " +
		slimAlternative(root)
}

// muslBuildHint names the musl build of what a glibc URL downloads.
func muslBuildHint(u string) string {
	l := strings.ToLower(u)
	switch {
	case strings.Contains(l, "-linux-gnu") || strings.Contains(l, "_linux-gnu"):
		return "the `-linux-musl` build"
	case strings.Contains(l, "node"):
		return "the `linux-x64-musl` build from unofficial-builds.nodejs.org"
	case strings.Contains(l, "dotnet") || strings.Contains(l, "aspnetcore"):
		return "the `linux-musl-x64` build"
	case strings.Contains(l, "jdk") || strings.Contains(l, "jre") || strings.Contains(l, "java") ||
		strings.Contains(l, "temurin") || strings.Contains(l, "zulu") || strings.Contains(l, "corretto"):
		return "a musl JDK build (Temurin `alpine-linux`, Zulu `linux_musl`) or install `openjdk21` with apk"
	}
	return "a musl build"
}

// slimAlternative suggests a glibc base for an Alpine one: python:3.12-alpine → python:3.12-slim.
func slimAlternative(root fromImage) string {
	r := root.Image
	if r.Name() == "alpine" {
		return "`debian:12-slim`"
	}
	tag := r.Tag
	if i := strings.Index(strings.ToLower(tag), "alpine"); i >= 0 {
		tag = strings.TrimRight(tag[:i], "-.")
		switch r.Name() {
		case "python", "node", "ruby", "rust", "openjdk":
			if tag == "" {
				tag = "slim"
			} else {
				tag += "-slim"
			}
		}
	}
	if tag == "" {
		return "`" + r.WithoutTag() + "`'s Debian variant"
	}
	return "`" + r.WithoutTag() + ":" + tag + "`"
}

// noMuslWheels lists Python packages that publish no musl (musllinux) wheels
// at all: pip has to build them from source on Alpine, which fails or takes
// very long (or, without an sdist, finds nothing to install).
var noMuslWheels = map[string]bool{
	"tensorflow": true, "tensorflow-cpu": true, "tensorflow-gpu": true, "tf-nightly": true,
	"torch": true, "torchvision": true, "torchaudio": true,
	"jax": true, "jaxlib": true, "onnxruntime": true, "onnxruntime-gpu": true,
	"opencv-python": true, "opencv-python-headless": true, "opencv-contrib-python": true,
	"opencv-contrib-python-headless": true, "mediapipe": true, "ray": true,
	"llvmlite": true, "numba": true,
}

// muslWheelsSince gives, for packages with C extensions, a version before which
// no musl wheel exists (releases that predate musllinux, PEP 656, or that the
// project built without it): an exact pin below it compiles from source.
var muslWheelsSince = map[string]string{
	"numpy": "1.21", "pandas": "1.3", "scipy": "1.7", "scikit-learn": "1.0", "matplotlib": "3.5",
	"pillow": "8.4", "cryptography": "35", "lxml": "4.6.4", "grpcio": "1.40", "orjson": "3.6",
	"psycopg2-binary": "2.9.2", "pyarrow": "18",
}

func checkMuslWheels(p *lint.Pass, i *shell.Install, root fromImage) {
	// Another index may serve musl wheels (alpine-wheels and the like).
	if i.HasFlag("i", "index-url", "extra-index-url", "f", "find-links") {
		return
	}
	for _, w := range i.Packages {
		if !w.Literal {
			continue
		}
		name := strings.ReplaceAll(strings.ToLower(shell.PackageName(shell.Pip, w.Value)), "_", "-")
		if noMuslWheels[name] {
			reportOnWord(p, w, "`"+name+"` publishes no musl (Alpine) wheels, so on `"+root.Ref+"` pip has to build it "+
				"from source, which fails or takes very long and needs a compiler in the image; use a glibc base such as "+
				slimAlternative(root))
			continue
		}
		before, ok := muslWheelsSince[name]
		if !ok {
			continue
		}
		v, pinned := exactPin(w.Value)
		if !pinned || !versionLess(v, before) {
			continue
		}
		reportOnWord(p, w, "`"+w.Value+"` has no musl (Alpine) wheel, so on `"+root.Ref+"` pip compiles it from source: "+
			"slow (often minutes per package), it needs gcc and headers in the image, and fails without them; use a glibc "+
			"base such as "+slimAlternative(root)+", or a recent release (recent ones ship musllinux wheels)")
	}
}

// exactPin returns the version of a `name==1.2.3` requirement.
func exactPin(req string) (string, bool) {
	i := strings.Index(req, "==")
	if i < 0 {
		return "", false
	}
	v := strings.TrimLeft(req[i+2:], "=")
	if v == "" || strings.ContainsAny(v, "*$,;<>! ") {
		return "", false
	}
	return v, true
}

// versionLess compares dotted numeric versions; a non-numeric part ends the comparison as not less.
func versionLess(a, b string) bool {
	as, bs := strings.Split(a, "."), strings.Split(b, ".")
	for k := 0; k < len(as) || k < len(bs); k++ {
		x, y := 0, 0
		var err error
		if k < len(as) {
			if x, err = strconv.Atoi(leadingDigits(as[k])); err != nil {
				return false
			}
		}
		if k < len(bs) {
			if y, err = strconv.Atoi(bs[k]); err != nil {
				return false
			}
		}
		if x != y {
			return x < y
		}
	}
	return false
}

func leadingDigits(s string) string {
	n := 0
	for n < len(s) && s[n] >= '0' && s[n] <= '9' {
		n++
	}
	return s[:n]
}
