package rules

import (
	"strings"

	"github.com/shipshape-dev/shipshape/dockerfile"
	"github.com/shipshape-dev/shipshape/lint"
	"github.com/shipshape-dev/shipshape/shell"
)

// PinPackageVersions: P66.
var PinPackageVersions = &lint.Rule{
	Code:  "DF220",
	Name:  "pin-package-versions",
	Title: "Pin the versions of the packages you install",
	Rationale: "A package named without a version resolves to whatever the repository serves on the day of " +
		"the build, so the same Dockerfile gives different images and a release upstream can break a rebuild " +
		"nobody changed. Pinning makes updates a visible edit. Requirement and lock files, local paths and " +
		"versions taken from build arguments count as pinned.",
	Severity: lint.Info,
	Aliases:  []string{"DL3008", "DL3018", "DL3013", "DL3016", "DL3028", "DL3033", "DL3037", "DL3041", "DL3062"},
	Practice: []string{"P66"},
	Options: []lint.Option{{
		Name:    "managers",
		Doc:     "the package managers whose installs are checked: apt, apk, dnf (also yum, microdnf), zypper, pip, npm, yarn, pnpm, gem, go",
		Default: []string{"apt", "apk", "dnf", "zypper", "pip", "npm", "yarn", "pnpm", "gem", "go"},
	}},
	Bad:  "FROM python:3.12-slim\nRUN pip install --no-cache-dir flask\n",
	Good: "FROM python:3.12-slim\nRUN pip install --no-cache-dir flask==3.0.2\n",
	Check: func(p *lint.Pass) {
		checked := map[shell.Manager]bool{}
		for _, name := range p.StringsOption("managers") {
			switch m := strings.ToLower(strings.TrimSpace(name)); m {
			case "yum", "microdnf", "tdnf":
				checked[shell.Dnf] = true
			case "apt-get":
				checked[shell.Apt] = true
			default:
				checked[shell.Manager(m)] = true
			}
		}
		p.Scripts(func(in *dockerfile.Instruction, s *shell.Script) {
			for _, i := range s.Installs() {
				if !checked[i.Manager] || i.DryRun() || pinnedOtherwise(in, s, i) {
					continue
				}
				for _, w := range i.Packages {
					if !w.Literal {
						continue // `curl=${CURL_VERSION}`: the version comes from a build argument
					}
					if hint, unpinned := pinHint(i, w.Value); unpinned {
						reportOnWord(p, w, hint)
					}
				}
			}
		})
	},
}

// pinnedOtherwise reports installs whose packages are pinned some other way, or
// name no packages: a pip constraints file, gem -v, zypper patterns, lockfile installs.
func pinnedOtherwise(in *dockerfile.Instruction, s *shell.Script, i *shell.Install) bool {
	c := i.Cmd
	switch i.Manager {
	case shell.Pip:
		return c.HasFlag("c", "constraint") || inEnv(in, s, c, "PIP_CONSTRAINT")
	case shell.Gem:
		return c.HasFlag("v", "version")
	case shell.Zypper:
		return c.HasFlag("t", "type")
	case shell.Npm:
		return i.Verb == "ci"
	case shell.Yarn:
		return i.Verb == "install"
	}
	return false
}

// pinHint reports whether the package word w carries no version pin, with the
// message that says how to pin it.
func pinHint(i *shell.Install, w string) (string, bool) {
	if w == "" || strings.HasPrefix(w, "-") {
		return "", false
	}
	q := "`" + w + "`"
	floating := q + " is installed without a version, so each build takes whatever the repository serves that day; "
	switch i.Manager {
	case shell.Apt:
		if strings.Contains(w, "=") || isPathWord(w) || strings.HasSuffix(w, ".deb") || strings.ContainsAny(w, "*?[") || strings.HasSuffix(w, "-") {
			return "", false
		}
		name, _, _ := strings.Cut(w, "/")
		return floating + "pin it as `" + name + "=<version>` (`apt-cache policy " + name + "` lists the candidates)", true
	case shell.Apk:
		if strings.ContainsAny(w, "=<>~") || isPathWord(w) || strings.HasSuffix(w, ".apk") || strings.HasPrefix(w, ".") {
			return "", false
		}
		return floating + "pin it as `" + w + "=<version>`, or `" + w + "~<major.minor>` to accept patch releases", true
	case shell.Pip:
		if strings.ContainsAny(w, "=<>!~@") || isPathWord(w) || strings.HasPrefix(w, ".") || strings.Contains(w, "://") || strings.HasPrefix(w, "git+") || hasSuffixAny(w, ".whl", ".tar.gz", ".zip", ".tgz") {
			return "", false
		}
		return floating + "pin it as `" + w + "==<version>`, or install from a requirements file with pinned versions", true
	case shell.Npm, shell.Yarn, shell.Pnpm:
		return npmPinHint(q, floating, w)
	case shell.Gem:
		if strings.Contains(w, ":") || isPathWord(w) || strings.HasSuffix(w, ".gem") {
			return "", false
		}
		return floating + "pin it as `" + w + ":<version>` or with `-v <version>`", true
	case shell.Dnf:
		if hasDashDigit(w) || isPathWord(w) || strings.Contains(w, "://") || strings.HasSuffix(w, ".rpm") || strings.HasPrefix(w, "@") || strings.ContainsAny(w, "()*?[:") {
			return "", false
		}
		return floating + "pin it as `" + w + "-<version>`", true
	case shell.Zypper:
		if strings.ContainsAny(w, "=<>*?") || isPathWord(w) || strings.HasSuffix(w, ".rpm") || strings.Contains(w, "://") {
			return "", false
		}
		return floating + "pin it as `" + w + "=<version>`", true
	case shell.Go:
		return goPinHint(i, q, w)
	}
	return "", false
}

// npmPinHint judges `name@spec`: a version or range pins it, a dist-tag such as
// `latest` does not; paths, URLs, git and GitHub specs are left alone.
func npmPinHint(q, floating, w string) (string, bool) {
	if isPathWord(w) || strings.Contains(w, ":") || hasSuffixAny(w, ".tgz", ".tar.gz") {
		return "", false
	}
	at := strings.LastIndex(w, "@")
	if at <= 0 {
		if !strings.HasPrefix(w, "@") && strings.Contains(w, "/") {
			return "", false // user/repo: a GitHub spec
		}
		return floating + "pin it as `" + w + "@<version>`", true
	}
	name, spec := w[:at], w[at+1:]
	if spec == "" || spec == "*" || spec == "x" || isDistTag(spec) {
		return q + " follows a moving tag, so each build takes whatever was published last; pin a version: `" + name + "@<version>`", true
	}
	return "", false
}

// isDistTag reports whether an npm spec is a tag name (latest, next, beta) rather than a version or range.
func isDistTag(spec string) bool {
	c := spec[0]
	if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
		return false
	}
	if (c == 'v' || c == 'V') && len(spec) > 1 && spec[1] >= '0' && spec[1] <= '9' {
		return false
	}
	return !strings.ContainsAny(spec, " |")
}

// goPinHint: `go install pkg@latest` (or a branch) floats; `go install pkg` with
// no version builds what go.mod requires. `go get` of a remote path without a
// version takes the latest release.
func goPinHint(i *shell.Install, q, w string) (string, bool) {
	path, version, hasVersion := strings.Cut(w, "@")
	if !hasVersion {
		first, _, _ := strings.Cut(path, "/")
		if i.Verb != "get" || !strings.Contains(first, ".") || isPathWord(w) {
			return "", false
		}
		return q + " is fetched without a version, so each build takes the latest release; pin one: `" + path + "@<version>`", true
	}
	switch version {
	case "latest", "upgrade", "patch", "master", "main", "HEAD":
		return q + " follows `@" + version + "`, so each build takes whatever was pushed last; pin a version: `" + path + "@v<x.y.z>`", true
	}
	return "", false
}

func isPathWord(w string) bool {
	return strings.HasPrefix(w, "/") || strings.HasPrefix(w, "./") || strings.HasPrefix(w, "../") || strings.HasPrefix(w, "~") || w == "." || w == ".."
}

func hasSuffixAny(w string, suffixes ...string) bool {
	for _, s := range suffixes {
		if strings.HasSuffix(w, s) {
			return true
		}
	}
	return false
}

// hasDashDigit reports a `-` followed by a digit: the rpm `name-version` form.
func hasDashDigit(w string) bool {
	for k := 0; k+1 < len(w); k++ {
		if w[k] == '-' && w[k+1] >= '0' && w[k+1] <= '9' {
			return true
		}
	}
	return false
}
