package squash

import (
	"fmt"
	"path"
	"sort"
	"strings"

	"github.com/shipshape-dev/shipshape/layers"
)

// Pattern is one compiled --remove glob.
type Pattern struct {
	raw     string
	segs    []string
	dirOnly bool
}

// Compile parses a --remove glob: path.Match syntax per element, `**` for
// any number of elements, anchored at the root when it holds a slash (a
// leading "/" is optional) and matching a name at any depth otherwise, a
// trailing "/" matching directories only.
func Compile(glob string) (Pattern, error) {
	p := Pattern{raw: glob}
	g := glob
	if strings.HasSuffix(g, "/") {
		p.dirOnly = true
		g = strings.TrimRight(g, "/")
	}
	anchored := strings.Contains(g, "/")
	g = strings.TrimLeft(g, "/")
	if g == "" {
		return p, fmt.Errorf("pattern %q names the root; name what to remove below it", glob)
	}
	p.segs = strings.Split(g, "/")
	for _, s := range p.segs {
		if s == "" || s == "." || s == ".." {
			return p, fmt.Errorf("pattern %q: empty, . or .. elements are not allowed", glob)
		}
		if _, err := path.Match(s, ""); err != nil {
			return p, fmt.Errorf("pattern %q: %w", glob, err)
		}
	}
	if !anchored {
		p.segs = append([]string{"**"}, p.segs...)
	}
	return p, nil
}

// Match reports whether the image path p (relative, "usr/bin/x") matches.
func (p Pattern) Match(name string, isDir bool) bool {
	if p.dirOnly && !isDir {
		return false
	}
	return matchSegs(p.segs, strings.Split(name, "/"))
}

func matchSegs(ps, es []string) bool {
	for len(ps) > 0 {
		if ps[0] == "**" {
			for i := 0; i <= len(es); i++ {
				if matchSegs(ps[1:], es[i:]) {
					return true
				}
			}
			return false
		}
		if len(es) == 0 {
			return false
		}
		if ok, _ := path.Match(ps[0], es[0]); !ok {
			return false
		}
		ps, es = ps[1:], es[1:]
	}
	return len(es) == 0
}

// group is one --remove argument: a preset or a single glob.
type group struct {
	name      string
	remove    []Pattern
	keep      []Pattern
	filesOnly bool
}

func (g *group) matches(p string, isDir bool) bool {
	if g.filesOnly && isDir {
		return false
	}
	for _, r := range g.remove {
		if r.Match(p, isDir) {
			return true
		}
	}
	return false
}

func (g *group) keeps(p string, isDir bool) bool {
	for _, k := range g.keep {
		if k.Match(p, isDir) {
			return true
		}
	}
	return false
}

// compileGroups turns --remove arguments into groups; locales are the
// spellings of the configured locale that presets keep.
func compileGroups(args []string, locales []string) ([]*group, error) {
	var out []*group
	seen := map[string]bool{}
	for _, a := range args {
		if seen[a] {
			continue
		}
		seen[a] = true
		if pr, ok := PresetNamed(a); ok {
			g := &group{name: pr.Name, filesOnly: pr.FilesOnly}
			for _, s := range pr.Patterns {
				p, err := Compile(s)
				if err != nil {
					return nil, fmt.Errorf("preset %s: %w", pr.Name, err)
				}
				g.remove = append(g.remove, p)
			}
			for _, s := range pr.Keep {
				for _, e := range expandLocale(s, locales) {
					p, err := Compile(e)
					if err != nil {
						return nil, fmt.Errorf("preset %s: %w", pr.Name, err)
					}
					g.keep = append(g.keep, p)
				}
			}
			out = append(out, g)
			continue
		}
		p, err := Compile(a)
		if err != nil {
			return nil, fmt.Errorf("--remove %s: %w (presets: %s)", a, err, presetNames())
		}
		if !strings.ContainsAny(a, "/*?[.") {
			return nil, fmt.Errorf("--remove %s: no preset has that name (presets: %s); to remove every file or directory named %q, write it as **/%s", a, presetNames(), a, a)
		}
		out = append(out, &group{name: a, remove: []Pattern{p}})
	}
	return out, nil
}

func presetNames() string {
	var n []string
	for _, p := range Presets {
		n = append(n, p.Name)
	}
	return strings.Join(n, ", ")
}

func expandLocale(s string, locales []string) []string {
	if !strings.Contains(s, "{locale}") {
		return []string{s}
	}
	var out []string
	for _, l := range locales {
		out = append(out, strings.ReplaceAll(s, "{locale}", l))
	}
	return out
}

// configuredLocales lists the spellings a locale setting goes by in
// usr/share/locale: de_DE.UTF-8 keeps de_DE.UTF-8, de_DE.utf8, de_DE and de.
func configuredLocales(env []string) []string {
	seen := map[string]bool{}
	var out []string
	add := func(s string) {
		if s != "" && !seen[s] && !strings.ContainsAny(s, "/*?[") {
			seen[s] = true
			out = append(out, s)
		}
	}
	for _, kv := range env {
		k, v, _ := strings.Cut(kv, "=")
		switch k {
		case "LANG", "LC_ALL", "LC_MESSAGES", "LANGUAGE":
		default:
			continue
		}
		for _, l := range strings.Split(v, ":") {
			if l == "C" || strings.HasPrefix(l, "C.") || l == "POSIX" {
				continue
			}
			add(l)
			base, _, _ := strings.Cut(l, "@")
			lang, enc, hasEnc := strings.Cut(base, ".")
			if hasEnc {
				add(lang + "." + strings.ToLower(strings.ReplaceAll(enc, "-", "")))
			}
			add(lang)
			short, _, _ := strings.Cut(lang, "_")
			add(short)
		}
	}
	return out
}

// RemovedGroup is what one --remove argument took out of the final
// filesystem.
type RemovedGroup struct {
	Name  string        `json:"name"`  // preset name or the glob as given
	Files int           `json:"files"` // entries removed, directories included
	Bytes int64         `json:"bytes"` // regular-file bytes removed
	Paths []RemovedPath `json:"paths"` // the topmost removed paths, by path
}

// RemovedPath is one removed path and what went with it.
type RemovedPath struct {
	Path  string `json:"path"` // rooted at "/"
	Files int    `json:"files"`
	Bytes int64  `json:"bytes"`
	// Base is true when the base image holds the path: a whiteout hides
	// it, but its bytes still travel in the base layers.
	Base bool `json:"base"`
}

// applyRemovals marks the nodes of the final filesystem that groups
// remove and reports them per group, in the order the groups were given.
func (t *tree) applyRemovals(groups []*group) []RemovedGroup {
	if len(groups) == 0 {
		return nil
	}
	t.markRemoved(t.root, "", nil)
	out := make([]RemovedGroup, len(groups))
	for i, g := range groups {
		out[i] = RemovedGroup{Name: g.name, Paths: []RemovedPath{}}
	}
	t.collectRemoved(t.root, "", groups, out)
	for i := range out {
		sort.Slice(out[i].Paths, func(a, b int) bool { return out[i].Paths[a].Path < out[i].Paths[b].Path })
	}
	return out
}

// markRemoved decides node by node; a directory that a group matches takes
// its subtree along unless a keep pattern saves something inside, when the
// directory stays and only the rest goes.
func (t *tree) markRemoved(n *tnode, p string, inherited *group) (allGone bool) {
	allGone = true
	for _, c := range n.kids {
		if !c.inFin {
			continue
		}
		cp := join(p, c.name)
		isDir := t.finIsDir(c)
		g := inherited
		if g == nil {
			for _, cand := range t.groups {
				if cand.matches(cp, isDir) {
					g = cand
					break
				}
			}
		}
		if g != nil && g.keeps(cp, isDir) {
			t.markRemoved(c, cp, nil)
			allGone = false
			continue
		}
		gone := false
		switch {
		case isDir && g != nil:
			gone = t.markRemoved(c, cp, g)
		case isDir:
			t.markRemoved(c, cp, nil)
		default:
			gone = g != nil
		}
		if gone {
			c.removed, c.group = true, t.groupIndex(g)
		} else {
			allGone = false
		}
	}
	return allGone
}

func (t *tree) groupIndex(g *group) int16 {
	for i, x := range t.groups {
		if x == g {
			return int16(i)
		}
	}
	return -1
}

// collectRemoved records each topmost removed node with its subtree's
// size, and marks the subtree removed.
func (t *tree) collectRemoved(n *tnode, p string, groups []*group, out []RemovedGroup) {
	for _, c := range n.kids {
		if !c.inFin {
			continue
		}
		cp := join(p, c.name)
		if !c.removed {
			t.collectRemoved(c, cp, groups, out)
			continue
		}
		files, bytes := t.removeSubtree(c)
		g := &out[c.group]
		g.Files += files
		g.Bytes += bytes
		g.Paths = append(g.Paths, RemovedPath{Path: "/" + cp, Files: files, Bytes: bytes, Base: c.inBase})
	}
}

func (t *tree) removeSubtree(n *tnode) (files int, bytes int64) {
	n.removed = true
	files = 1
	if n.fin != layers.NoRef {
		if e := t.im.Entry(n.fin); e.Kind == layers.Regular {
			bytes = e.Size
		}
	}
	for _, c := range n.kids {
		if c.inFin {
			f, b := t.removeSubtree(c)
			files += f
			bytes += b
		}
	}
	return files, bytes
}
