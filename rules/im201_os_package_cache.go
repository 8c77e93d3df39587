package rules

import (
	"fmt"
	"strings"

	"github.com/shipshape-dev/shipshape/layers"
	"github.com/shipshape-dev/shipshape/lint"
)

// OSPackageCache: P12.
var OSPackageCache = &lint.Rule{
	Code:  "IM201",
	Name:  "os-package-cache",
	Title: "Leave the system package manager's indexes and downloads out of the image",
	Rationale: "`apt-get update` downloads the package lists (often 20 MB or more) to /var/lib/apt/lists, and " +
		"installs keep the downloaded .deb files, apk's index and packages, or yum's and dnf's metadata. Nothing " +
		"reads them at run time, every pull downloads them, and they go stale the day the image is built. " +
		"They must be removed in the same RUN that made them: a later `rm` hides them from the final " +
		"filesystem, but the bytes stay in the earlier layer. shipshape reports each layer that holds them, " +
		"deleted later or not, with the bytes they take.",
	Severity: lint.Warning,
	Practice: []string{"P12", "P13"},
	Scope:    lint.ScopeImage,
	Bad:      "FROM debian:bookworm-slim\nRUN apt-get update\nRUN apt-get install -y --no-install-recommends curl\n",
	Good:     "FROM debian:bookworm-slim\nRUN apt-get update \\\n && apt-get install -y --no-install-recommends curl \\\n && rm -rf /var/lib/apt/lists/*\n",
	Check:    checkOSPackageCache,
}

// osCache is one package manager's cache: where it is and how to avoid it.
type osCache struct {
	manager string
	what    string
	// shown returns the path a file of the cache is shown under; "" when the
	// file is not part of it.
	shown func(p string) string
}

var osCaches = []osCache{
	{"apt", "apt's package lists and caches", func(p string) string {
		switch {
		case strings.HasPrefix(p, "var/lib/apt/lists/"):
			if strings.HasSuffix(p, "/lock") {
				return ""
			}
			return "/var/lib/apt/lists/"
		case strings.HasPrefix(p, "var/cache/apt/archives/"):
			if !strings.HasSuffix(p, ".deb") {
				return ""
			}
			return "/var/cache/apt/archives/"
		case p == "var/cache/apt/pkgcache.bin", p == "var/cache/apt/srcpkgcache.bin":
			return "/" + p
		}
		return ""
	}},
	{"apk", "apk's index and downloaded packages", func(p string) string {
		if strings.HasPrefix(p, "var/cache/apk/") {
			return "/var/cache/apk/"
		}
		return ""
	}},
	{"dnf", "dnf's metadata and packages", func(p string) string {
		for _, d := range []string{"var/cache/dnf/", "var/cache/libdnf5/"} {
			if strings.HasPrefix(p, d) {
				return "/" + d
			}
		}
		return ""
	}},
	{"yum", "yum's metadata and packages", func(p string) string {
		if strings.HasPrefix(p, "var/cache/yum/") {
			return "/var/cache/yum/"
		}
		return ""
	}},
	{"zypper", "zypper's metadata and packages", func(p string) string {
		if strings.HasPrefix(p, "var/cache/zypp/") {
			return "/var/cache/zypp/"
		}
		return ""
	}},
}

func checkOSPackageCache(p *lint.Pass) {
	groups := make([]*imGroups, len(osCaches))
	for i := range groups {
		groups[i] = newGroups()
	}
	imEach(p.Image, func(ref layers.Ref, e *layers.Entry, f layers.Fate) {
		if !strings.HasPrefix(e.Path, "var/") {
			return
		}
		for i, c := range osCaches {
			if shown := c.shown(e.Path); shown != "" {
				groups[i].add(ref, e, f, shown)
				return
			}
		}
	})
	for i, c := range osCaches {
		for _, lg := range groups[i].each(true) {
			fix := osCacheFix(p, c.manager, lg.layer)
			p.ReportLayer(lg.layer, lg.paths, lg.bytes, fix, fmt.Sprintf(
				"%s leaves %s in the image: %s; nothing reads them at run time%s. Fix: %s; this %s",
				imAt(p, lg.layer), c.what, lg.top(3), lg.stillThere(p), fix, imSaves(p, lg.layer, lg.bytes)))
		}
	}
}

// osCacheFix is the change that keeps a manager's cache out of a layer.
func osCacheFix(p *lint.Pass, manager string, layer int) string {
	step := imStep(p, layer)
	if imKeyword(p, layer) != "RUN" {
		return "do not copy package-manager caches into the image; install packages with a RUN that cleans up after itself"
	}
	switch manager {
	case "apt":
		cmd := ""
		if layer < len(p.Image.Layers) {
			cmd = p.Image.Layers[layer].CreatedBy
		}
		if strings.Contains(cmd, "update") && !strings.Contains(cmd, "install") {
			for l := layer + 1; l < len(p.Image.Layers); l++ {
				if c := p.Image.Layers[l].CreatedBy; strings.Contains(c, "apt-get install") || strings.Contains(c, "apt install") {
					return fmt.Sprintf("merge %s into %s (`apt-get update && apt-get install …`) and end that RUN with "+
						"`&& rm -rf /var/lib/apt/lists/*`", step, imStep(p, l))
				}
			}
		}
		return fmt.Sprintf("end %s with `&& apt-get clean && rm -rf /var/lib/apt/lists/*`", step)
	case "apk":
		return fmt.Sprintf("use `apk add --no-cache` in %s (or end it with `&& rm -rf /var/cache/apk/*`)", step)
	case "dnf":
		return fmt.Sprintf("end %s with `&& dnf clean all && rm -rf /var/cache/dnf`", step)
	case "yum":
		return fmt.Sprintf("end %s with `&& yum clean all && rm -rf /var/cache/yum`", step)
	case "zypper":
		return fmt.Sprintf("end %s with `&& zypper clean --all`", step)
	}
	return "remove the cache in " + step
}
