package rules

import (
	"github.com/shipshape-dev/shipshape/dockerfile"
	"github.com/shipshape-dev/shipshape/lint"
	"github.com/shipshape-dev/shipshape/shell"
)

// PipNoCacheDir: P12.
var PipNoCacheDir = &lint.Rule{
	Code:  "DF207",
	Name:  "pip-no-cache-dir",
	Title: "Use pip install --no-cache-dir",
	Rationale: "pip keeps every wheel it downloads or builds in ~/.cache/pip so the next install can reuse it. " +
		"In an image there is no next install: the cache, often as large as the packages themselves, just ships. " +
		"`--no-cache-dir`, or `ENV PIP_NO_CACHE_DIR=1` for the whole stage, keeps it out.",
	Severity: lint.Warning,
	Fixable:  true,
	Aliases:  []string{"DL3042"},
	Practice: []string{"P12"},
	Bad:      "FROM python:3.12-slim\nCOPY requirements.txt .\nRUN pip install -r requirements.txt\n",
	Good:     "FROM python:3.12-slim\nCOPY requirements.txt .\nRUN pip install --no-cache-dir -r requirements.txt\n",
	Check: lint.EachInstall(func(p *lint.Pass, in *dockerfile.Instruction, s *shell.Script, i *shell.Install) {
		c := i.Cmd
		if i.Manager != shell.Pip || c.Is("uv") || !stageShips(p, in) || i.DryRun() {
			return
		}
		// --cache-dir and PIP_CACHE_DIR move the cache somewhere we cannot follow.
		if c.HasFlag("no-cache-dir", "cache-dir") || inEnv(in, s, c, "PIP_NO_CACHE_DIR", "PIP_CACHE_DIR") {
			return
		}
		if cacheMountCovers(in, "~/.cache/pip") || cleanedAfter(s, c, removesPipCache) != nil {
			return
		}
		if configuredBefore(p, in, []string{"global.no-cache-dir", "install.no-cache-dir", "no-cache-dir =", "no-cache-dir=true", "no_cache_dir"}, []string{"/etc/pip.conf", "/etc/xdg/pip", "~/.config/pip", "~/.pip"}) {
			return
		}
		verb := verbWord(i)
		name := managerName(i)
		msg := "`" + name + " install` without `--no-cache-dir` keeps every downloaded wheel in ~/.cache/pip " +
			"(often as large as the installed packages, tens to hundreds of MB) in this layer; add `--no-cache-dir`, " +
			"or set `ENV PIP_NO_CACHE_DIR=1` once for the stage"
		if later, _ := laterRunDoing(p, in, removesPipCache); later != nil {
			msg += "; deleting the cache in a later RUN does not shrink this layer"
		}
		f := reportFromProg(p, c, verb, msg)
		f.Fix = insertAfter(p, in, verb, " --no-cache-dir", "add --no-cache-dir")
	}),
}

// removesPipCache reports whether c deletes pip's cache: `rm -rf ~/.cache/pip`
// (or ~/.cache), or `pip cache purge`.
func removesPipCache(c *shell.Command) bool {
	if c.Removes("~/.cache/pip") {
		return true
	}
	m, args := shell.ManagerOf(c)
	return m == shell.Pip && !c.Is("uv") && len(args) >= 2 && args[0].Value == "cache" && args[1].Value == "purge"
}
