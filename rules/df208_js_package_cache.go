package rules

import (
	"fmt"
	"strings"

	"github.com/shipshape-dev/shipshape/dockerfile"
	"github.com/shipshape-dev/shipshape/lint"
	"github.com/shipshape-dev/shipshape/shell"
)

// JSPackageCache: P12.
var JSPackageCache = &lint.Rule{
	Code:  "DF208",
	Name:  "js-package-cache",
	Title: "Clean the npm/yarn/pnpm cache in the RUN that installs",
	Rationale: "npm, yarn and pnpm keep a copy of every package they download in a cache under the home " +
		"directory. In an image that copy ships next to node_modules and is never read again. Clean it in the RUN " +
		"that installs (`npm cache clean --force`, `yarn cache clean`, `pnpm store prune`), or keep it in a " +
		"BuildKit cache mount.",
	Severity: lint.Info,
	Aliases:  []string{"DL3060"},
	Practice: []string{"P12"},
	Bad:      "FROM node:20.11-slim\nWORKDIR /app\nCOPY package.json yarn.lock ./\nRUN yarn install --frozen-lockfile --production\n",
	Good:     "FROM node:20.11-slim\nWORKDIR /app\nCOPY package.json yarn.lock ./\nRUN yarn install --frozen-lockfile --production && yarn cache clean\n",
	Check: func(p *lint.Pass) {
		p.Scripts(func(in *dockerfile.Instruction, s *shell.Script) {
			if !stageShips(p, in) {
				return
			}
			reported := map[shell.Manager]bool{}
			for _, i := range s.Installs() {
				js := jsCaches[i.Manager]
				if js == nil || reported[i.Manager] || i.DryRun() || js.elsewhere(in, s, i) {
					continue
				}
				if mountMatches(in, js.mounted) || cleanedAfter(s, i.Cmd, js.cleans) != nil {
					continue
				}
				reported[i.Manager] = true
				msg := "`" + i.Cmd.Name + " " + i.Verb + "` leaves " + js.what + " in this layer; " + js.fix
				if i.Manager == shell.Npm {
					if weak := cleanedAfter(s, i.Cmd, npmCleanWithoutForce); weak != nil {
						msg += fmt.Sprintf(" (the `npm cache clean` at line %d refuses to run without `--force` since npm 5)", weak.Pos.Line)
					}
				}
				if later, _ := laterRunDoing(p, in, js.cleans); later != nil {
					msg += "; cleaning in a later RUN does not shrink this layer"
				}
				reportFromProg(p, i.Cmd, verbWord(i), msg)
			}
		})
	},
}

// jsCache describes where one JavaScript package manager keeps its cache.
type jsCache struct {
	what, fix string
	cleans    func(*shell.Command) bool
	mounted   func(target string) bool
	// elsewhere reports a cache moved by a flag or variable, or an install that downloads nothing.
	elsewhere func(in *dockerfile.Instruction, s *shell.Script, i *shell.Install) bool
}

var jsCaches = map[shell.Manager]*jsCache{
	shell.Npm: {
		what: "its download cache in ~/.npm/_cacache (about as large as the packages installed, tens to hundreds of MB)",
		fix:  "end the RUN with `&& npm cache clean --force`",
		cleans: func(c *shell.Command) bool {
			if c.Is("npm") && c.Subcommand() == "cache" {
				pos := c.Positionals()
				return len(pos) >= 2 && pos[1].Value == "clean" && c.HasFlag("force", "f")
			}
			return c.Removes("~/.npm")
		},
		mounted: func(t string) bool { return pathCovers(t, "~/.npm/_cacache") || strings.Contains(t, "npm") },
		elsewhere: func(in *dockerfile.Instruction, s *shell.Script, i *shell.Install) bool {
			return i.Cmd.HasFlag("cache", "offline") || inEnv(in, s, i.Cmd, "npm_config_cache", "NPM_CONFIG_CACHE")
		},
	},
	shell.Yarn: {
		what: "a copy of every package in its cache (/usr/local/share/.cache/yarn for root, ~/.cache/yarn otherwise; as large as node_modules)",
		fix:  "end the RUN with `&& yarn cache clean`",
		cleans: func(c *shell.Command) bool {
			if c.Is("yarn") {
				pos := c.Positionals()
				return len(pos) >= 2 && pos[0].Value == "cache" && pos[1].Value == "clean"
			}
			for _, d := range []string{"/usr/local/share/.cache/yarn", "~/.cache/yarn", "~/.yarn/berry/cache"} {
				if c.Removes(d) {
					return true
				}
			}
			return false
		},
		mounted: func(t string) bool { return strings.Contains(t, "yarn") || strings.HasSuffix(t, "/.cache") },
		elsewhere: func(in *dockerfile.Instruction, s *shell.Script, i *shell.Install) bool {
			return i.Cmd.HasFlag("cache-folder", "offline") || inEnv(in, s, i.Cmd, "YARN_CACHE_FOLDER")
		},
	},
	shell.Pnpm: {
		what: "its content-addressable store (~/.local/share/pnpm/store)",
		fix:  "files hard-linked into node_modules cost nothing extra, but packages nothing links to do: end the RUN with `&& pnpm store prune`",
		cleans: func(c *shell.Command) bool {
			if c.Is("pnpm") {
				pos := c.Positionals()
				return len(pos) >= 2 && pos[0].Value == "store" && pos[1].Value == "prune"
			}
			if c.Is("rm") {
				for _, a := range c.Positionals() {
					if strings.Contains(a.Value, "pnpm") {
						return true
					}
				}
			}
			return false
		},
		mounted: func(t string) bool { return strings.Contains(t, "pnpm") },
		elsewhere: func(in *dockerfile.Instruction, s *shell.Script, i *shell.Install) bool {
			return i.Cmd.HasFlag("store-dir", "offline") || inEnv(in, s, i.Cmd, "npm_config_store_dir", "PNPM_STORE_DIR")
		},
	},
}

func npmCleanWithoutForce(c *shell.Command) bool {
	pos := c.Positionals()
	return c.Is("npm") && len(pos) >= 2 && pos[0].Value == "cache" && pos[1].Value == "clean" && !c.HasFlag("force", "f")
}
