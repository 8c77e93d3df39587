package rules

import (
	"fmt"
	"strings"

	"github.com/shipshape-dev/shipshape/layers"
	"github.com/shipshape-dev/shipshape/lint"
)

// LanguagePackageCache: P12.
var LanguagePackageCache = &lint.Rule{
	Code:  "IM202",
	Name:  "language-package-cache",
	Title: "Leave pip, npm, yarn, Go, Maven, Gradle, gem and Composer caches out of the image",
	Rationale: "Language package managers keep a copy of everything they download (pip's wheels, npm's and " +
		"yarn's tarballs, Go's module and build caches, Maven's and Gradle's repositories, gems, Composer " +
		"archives) in the home directory. The installed packages do not need it, so the image carries every " +
		"dependency twice. Turn the cache off (`pip install --no-cache-dir`), clean it in the same RUN " +
		"(`npm cache clean --force`), keep it in a BuildKit cache mount, or build in a stage that does not " +
		"ship. The cache is recognised by its directory anywhere in the image (`.cache/pip`, `.npm/_cacache`, " +
		"`.m2/repository`, …), deleted later or not.",
	Severity: lint.Warning,
	Practice: []string{"P12", "P18"},
	Scope:    lint.ScopeImage,
	Bad:      "FROM python:3.12-slim\nCOPY requirements.txt .\nRUN pip install -r requirements.txt\n",
	Good:     "FROM python:3.12-slim\nCOPY requirements.txt .\nRUN pip install --no-cache-dir -r requirements.txt\n",
	Check:    checkLanguagePackageCache,
}

// langCache is one tool's cache: the path elements that mark it, and the fix.
type langCache struct {
	tool string
	// elems are consecutive path elements that end the cache directory.
	elems []string
	fix   string
}

var langCaches = []langCache{
	{"pip", []string{".cache", "pip"}, "use `pip install --no-cache-dir` in %s (or `RUN --mount=type=cache,target=/root/.cache/pip …`)"},
	{"npm", []string{".npm", "_cacache"}, "end %s with `&& npm cache clean --force` (or use `RUN --mount=type=cache,target=/root/.npm …`)"},
	{"yarn", []string{".cache", "yarn"}, "end %s with `&& yarn cache clean`"},
	{"yarn", []string{".yarn", "berry", "cache"}, "end %s with `&& yarn cache clean --all`"},
	{"pnpm", []string{".local", "share", "pnpm", "store"}, "end %s with `&& pnpm store prune`, or build in a stage that does not ship"},
	{"pnpm", []string{".pnpm-store"}, "end %s with `&& pnpm store prune`, or build in a stage that does not ship"},
	{"go", []string{".cache", "go-build"}, "build in a builder stage and copy only the binary; or end %s with `&& go clean -cache -modcache`"},
	{"go", []string{"go", "pkg", "mod"}, "build in a builder stage and copy only the binary; or end %s with `&& go clean -modcache`"},
	{"maven", []string{".m2", "repository"}, "build in a builder stage and copy only the jar (the local repository stays behind); %s keeps it"},
	{"gradle", []string{".gradle", "caches"}, "build in a builder stage and copy only the artefact; %s keeps the Gradle caches"},
	{"gradle", []string{".gradle", "wrapper", "dists"}, "build in a builder stage and copy only the artefact; %s keeps the Gradle distribution"},
	{"gem", []string{".gem"}, "end %s with `&& rm -rf ~/.gem` (and install with `gem install --no-document`)"},
	{"bundler", []string{"bundle", "cache"}, "end %s with `&& rm -rf /usr/local/bundle/cache`"},
	{"composer", []string{".composer", "cache"}, "use `composer install --no-cache` in %s"},
	{"composer", []string{".cache", "composer"}, "use `composer install --no-cache` in %s"},
	{"cargo", []string{".cargo", "registry"}, "build in a builder stage and copy only the binary; %s keeps the crate registry"},
}

// langCacheOf returns the cache a file is in and the cache directory's path.
func langCacheOf(p string) (*langCache, string) {
	if strings.HasPrefix(p, "usr/share/") || strings.HasPrefix(p, "usr/lib/") || !strings.Contains(p, "/") {
		return nil, ""
	}
	sp := "/" + p
	for i := range langCaches {
		c := &langCaches[i]
		if j := strings.Index(sp, langCacheSeqs[i]); j >= 0 {
			return c, p[:j+len(langCacheSeqs[i])-2]
		}
	}
	return nil, ""
}

// langCacheSeqs[i] is langCaches[i]'s elements as "/a/b/", to find in "/"+path.
var langCacheSeqs = func() []string {
	out := make([]string, len(langCaches))
	for i, c := range langCaches {
		out[i] = "/" + strings.Join(c.elems, "/") + "/"
	}
	return out
}()

func checkLanguagePackageCache(p *lint.Pass) {
	groups := map[string]*imGroups{}
	fixes := map[string]string{}
	var tools []string
	imEach(p.Image, func(ref layers.Ref, e *layers.Entry, f layers.Fate) {
		c, dir := langCacheOf(e.Path)
		if c == nil {
			return
		}
		g := groups[c.tool]
		if g == nil {
			g = newGroups()
			groups[c.tool] = g
			tools = append(tools, c.tool)
		}
		g.add(ref, e, f, "/"+dir+"/")
		if _, ok := fixes[c.tool]; !ok {
			fixes[c.tool] = c.fix
		}
	})
	for _, tool := range tools {
		for _, lg := range groups[tool].each(true) {
			fix := fmt.Sprintf(fixes[tool], imStep(p, lg.layer))
			if imFromContext(p, lg.layer) {
				fix = fmt.Sprintf("keep the cache out of the build context: add `%s` to .dockerignore", imIgnoreLine(p, lg.layer, lg.paths[0].Path))
			}
			p.ReportLayer(lg.layer, lg.paths, lg.bytes, fix, fmt.Sprintf(
				"%s leaves %s's download cache in the image: %s; the installed packages do not need it%s. Fix: %s; this %s",
				imAt(p, lg.layer), tool, lg.top(3), lg.stillThere(p), fix, imSaves(p, lg.layer, lg.bytes)))
		}
	}
}
