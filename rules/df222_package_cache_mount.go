package rules

import (
	"strings"

	"github.com/shipshape-dev/shipshape/dockerfile"
	"github.com/shipshape-dev/shipshape/lint"
	"github.com/shipshape-dev/shipshape/shell"
)

// PackageCacheMount: P34.
var PackageCacheMount = &lint.Rule{
	Code:  "DF222",
	Name:  "package-cache-mount",
	Title: "Keep package downloads in a BuildKit cache mount",
	Rationale: "Every change above an install step downloads all its packages again. A BuildKit cache mount " +
		"(`RUN --mount=type=cache,target=…`) keeps the package manager's cache between builds without it ever " +
		"reaching the image, so rebuilds are faster and the image stays as small as with a cleanup. Off by " +
		"default: it needs BuildKit and suits teams that rebuild often.",
	Severity: lint.Info,
	Disabled: true,
	Practice: []string{"P34"},
	Bad:      "FROM python:3.12-slim\nCOPY requirements.txt .\nRUN pip install --no-cache-dir -r requirements.txt\n",
	Good:     "FROM python:3.12-slim\nCOPY requirements.txt .\nRUN --mount=type=cache,target=/root/.cache/pip pip install -r requirements.txt\n",
	Check: func(p *lint.Pass) {
		p.Scripts(func(in *dockerfile.Instruction, s *shell.Script) {
			reported := map[string]bool{}
			for _, c := range s.Commands {
				kind := cacheKindOf(c)
				if kind == nil || reported[kind.name] {
					continue
				}
				var missing []string
				for _, m := range kind.mounts {
					if !mountMatches(in, m.covered) {
						missing = append(missing, "--mount=type=cache,target="+m.target+m.extra)
					}
				}
				if len(missing) == 0 {
					continue
				}
				reported[kind.name] = true
				does := kind.does
				if does == "" {
					does = "downloads every package afresh on each build"
				}
				msg := "`" + kind.name + "` " + does + "; keep its cache between builds without shipping it: `RUN " +
					strings.Join(missing, " ") + " …`" + kind.note
				reportFromProg(p, c, cacheVerbWord(c), msg)
			}
		})
	},
}

// cacheKind is one package manager's cache and the mounts that hold it.
type cacheKind struct {
	name   string // for messages: "apt-get install"
	does   string // what is repeated without a cache; "" for a download
	mounts []cacheDir
	note   string
}

type cacheDir struct {
	target, extra string
	covered       func(target string) bool
}

func targetCovers(dirs ...string) func(string) bool {
	return func(t string) bool {
		for _, d := range dirs {
			if pathCovers(t, d) {
				return true
			}
		}
		return false
	}
}

func targetHas(subs ...string) func(string) bool {
	return func(t string) bool {
		for _, s := range subs {
			if strings.Contains(t, s) {
				return true
			}
		}
		return false
	}
}

// cacheKindOf tells which cache c fills, or nil.
func cacheKindOf(c *shell.Command) *cacheKind {
	if c.Is("go") {
		switch sub := c.Subcommand("-C"); sub {
		case "build", "install", "test", "run", "get":
			if sub == "get" {
				return &cacheKind{name: "go get", mounts: []cacheDir{goModCache}, does: "downloads every module afresh on each build"}
			}
			return &cacheKind{name: "go " + sub, mounts: []cacheDir{goBuildCache, goModCache},
				does: "recompiles every package and downloads every module afresh on each build"}
		case "mod":
			if pos := c.Positionals("-C"); len(pos) > 1 && pos[1].Value == "download" {
				return &cacheKind{name: "go mod download", mounts: []cacheDir{goModCache}, does: "downloads every module afresh on each build"}
			}
		}
		return nil
	}
	i, ok := shell.InstallOf(c)
	if !ok || c.Is("uv") {
		return nil
	}
	name := c.Name + " " + i.Verb
	switch i.Manager {
	case shell.Apt:
		if !isApt(c) {
			return nil
		}
		return &cacheKind{name: name, mounts: []cacheDir{
			{"/var/cache/apt", ",sharing=locked", targetCovers("/var/cache/apt/archives")},
			{"/var/lib/apt", ",sharing=locked", targetCovers("/var/lib/apt/lists")},
		}, note: " (Debian and Ubuntu images delete downloaded packages after each install: also `rm -f /etc/apt/apt.conf.d/docker-clean`)"}
	case shell.Apk:
		k := &cacheKind{name: name, mounts: []cacheDir{{"/etc/apk/cache", "", targetCovers("/etc/apk/cache", "/var/cache/apk")}}}
		if c.HasFlag("no-cache") {
			k.note = " and drop `--no-cache`, which bypasses the cache"
		}
		return k
	case shell.Dnf:
		dir := "/var/cache/dnf"
		switch c.Name {
		case "yum", "microdnf":
			dir = "/var/cache/yum"
		case "dnf5":
			dir = "/var/cache/libdnf5"
		case "tdnf":
			dir = "/var/cache/tdnf"
		}
		return &cacheKind{name: name, mounts: []cacheDir{{dir, ",sharing=locked", targetCovers(dnfCacheDirs...)}}}
	case shell.Zypper:
		return &cacheKind{name: name, mounts: []cacheDir{{"/var/cache/zypp", ",sharing=locked", targetCovers("/var/cache/zypp/packages")}}}
	case shell.Pip:
		k := &cacheKind{name: managerName(i) + " install", mounts: []cacheDir{{"/root/.cache/pip", "", func(t string) bool {
			return pathCovers(t, "~/.cache/pip") || strings.Contains(t, "pip")
		}}}}
		if c.HasFlag("no-cache-dir") {
			k.note = " and drop `--no-cache-dir`, which bypasses the cache"
		}
		return k
	case shell.Npm:
		return &cacheKind{name: name, mounts: []cacheDir{{"/root/.npm", "", targetHas("npm")}}}
	case shell.Yarn:
		return &cacheKind{name: name, mounts: []cacheDir{{"/usr/local/share/.cache/yarn", "", targetHas("yarn")}}}
	case shell.Pnpm:
		return &cacheKind{name: name, mounts: []cacheDir{{"/root/.local/share/pnpm/store", "", targetHas("pnpm")}}}
	case shell.Gem:
		return &cacheKind{name: name, mounts: []cacheDir{{"/usr/local/bundle/cache", "", targetHas("gem", "bundle")}},
			note: " (/usr/local/bundle is GEM_HOME in the official ruby images; use `$(gem env gemdir)/cache` elsewhere)"}
	}
	return nil
}

var goBuildCache = cacheDir{"/root/.cache/go-build", "", func(t string) bool {
	return pathCovers(t, "~/.cache/go-build") || strings.Contains(t, "go-build")
}}
var goModCache = cacheDir{"/go/pkg/mod", "", func(t string) bool {
	return strings.HasSuffix(t, "/pkg/mod") || strings.HasSuffix(t, "/pkg") || t == "/go" || strings.Contains(t, "gomod")
}}

// cacheVerbWord is the subcommand word of c, for the report's range.
func cacheVerbWord(c *shell.Command) shell.Word {
	if i, ok := shell.InstallOf(c); ok {
		return verbWord(i)
	}
	if pos := c.Positionals("-C"); len(pos) > 0 {
		return pos[0]
	}
	return c.Prog
}
