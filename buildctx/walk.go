package buildctx

import (
	"io/fs"
	"os"
	"runtime"
	"sort"
	"sync"
	"sync/atomic"

	"github.com/moby/patternmatcher"
)

// The walk reads directories on several goroutines at once: a directory is
// handed to another goroutine when one is free, and read on the spot
// otherwise. Each goroutine writes its part of the tree, in order, into a
// task of its own; the tasks are joined in order at the end, so the result
// is the same whatever the timing.

// walker is shared by the goroutines of one walk.
type walker struct {
	root        string
	prunedSizes bool
	// slots are the free goroutines; each carries its own pattern matcher,
	// because a matcher compiles its patterns lazily and is not safe for
	// concurrent use.
	slots chan *patternmatcher.PatternMatcher
}

// task is what one goroutine walked, in walk order, except the directories it
// handed on, which are linked where they belong.
type task struct {
	files    []File
	dirs     []Dir
	problems []Problem
	pruned   []*pruned
	subs     []handedOn
}

// handedOn is a directory walked by another goroutine; its output goes after
// the first files, dirs, problems and pruned entries of the parent task.
type handedOn struct {
	files, dirs, problems, pruned int
	t                             *task
	done                          chan struct{}
}

// pruned is a pruned directory and its size, which goroutines add up.
type pruned struct {
	path         string
	files, bytes atomic.Int64
	wg           sync.WaitGroup
}

func (c *Context) walk(o options) {
	workers := o.workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	w := &walker{root: c.Dir, prunedSizes: o.prunedSizes, slots: make(chan *patternmatcher.PatternMatcher, workers)}
	// the calling goroutine is one of the workers
	for range workers - 1 {
		pm, _ := patternmatcher.New(c.Patterns) // Load checked the patterns
		w.slots <- pm
	}
	pm, _ := patternmatcher.New(c.Patterns)
	root := &task{}
	w.dir(root, pm, c.Dir, "", patternmatcher.MatchInfo{})
	if o.prunedSizes {
		c.PrunedUsage = map[string]Usage{}
	}
	c.join(root)

	for _, f := range c.Files {
		if f.Ignored {
			c.IgnoredFiles++
			c.IgnoredBytes += f.Size
		} else {
			c.SentFiles++
			c.SentBytes += f.Size
		}
	}
	sort.Slice(c.Problems, func(i, j int) bool { return c.Problems[i].Path < c.Problems[j].Path })
	c.indexDirs()
}

// join appends t and the tasks it handed on to c, in walk order.
func (c *Context) join(t *task) {
	var f, d, p, q int
	for _, s := range t.subs {
		c.Files = append(c.Files, t.files[f:s.files]...)
		c.Dirs = append(c.Dirs, t.dirs[d:s.dirs]...)
		c.Problems = append(c.Problems, t.problems[p:s.problems]...)
		c.addPruned(t.pruned[q:s.pruned])
		f, d, p, q = s.files, s.dirs, s.problems, s.pruned
		<-s.done
		c.join(s.t)
	}
	if len(c.Files) == 0 && f == 0 {
		c.Files = t.files // a walk on one goroutine: no copy
	} else {
		c.Files = append(c.Files, t.files[f:]...)
	}
	c.Dirs = append(c.Dirs, t.dirs[d:]...)
	c.Problems = append(c.Problems, t.problems[p:]...)
	c.addPruned(t.pruned[q:])
}

func (c *Context) addPruned(ps []*pruned) {
	for _, p := range ps {
		c.Pruned = append(c.Pruned, p.path)
		p.wg.Wait()
		if c.PrunedUsage != nil {
			u := Usage{Files: int(p.files.Load()), Bytes: p.bytes.Load()}
			c.PrunedUsage[p.path] = u
			c.IgnoredFiles += u.Files
			c.IgnoredBytes += u.Bytes
		}
	}
}

// dir walks the directory abs (rel inside the context, "" for the root),
// whose match result is info.
func (w *walker) dir(t *task, pm *patternmatcher.PatternMatcher, abs, rel string, info patternmatcher.MatchInfo) {
	entries, stat, done, err := openDir(abs)
	defer done()
	if err != nil {
		// ReadDir returns what it read before the error; keep that too.
		p := rel
		if p == "" {
			p = "."
		}
		t.problems = append(t.problems, Problem{p, reason(err)})
	}
	for _, e := range entries {
		name := e.Name()
		crel, cabs := name, abs+string(os.PathSeparator)+name
		if rel != "" {
			crel = rel + "/" + name
		}
		ignored, cinfo, merr := pm.MatchesUsingParentResults(crel, info)
		if merr != nil {
			t.problems = append(t.problems, Problem{crel, merr.Error()})
			continue
		}
		if !e.IsDir() {
			t.addFile(cabs, crel, e, stat, ignored)
			continue
		}
		if ignored && !reachable(pm, crel) {
			p := &pruned{path: crel}
			t.pruned = append(t.pruned, p)
			if w.prunedSizes {
				p.wg.Add(1)
				w.size(p, cabs)
			}
			continue
		}
		t.dirs = append(t.dirs, Dir{Path: crel, Ignored: ignored})
		select {
		case spm := <-w.slots:
			sub := handedOn{files: len(t.files), dirs: len(t.dirs), problems: len(t.problems), pruned: len(t.pruned),
				t: &task{}, done: make(chan struct{})}
			t.subs = append(t.subs, sub)
			go func() {
				w.dir(sub.t, spm, cabs, crel, cinfo)
				w.slots <- spm
				close(sub.done)
			}()
		default:
			w.dir(t, pm, cabs, crel, cinfo)
		}
	}
}

// size adds up the files under abs for p, stat only, handing subdirectories
// to free goroutines as the walk does. The caller has done p.wg.Add(1).
func (w *walker) size(p *pruned, abs string) {
	defer p.wg.Done()
	entries, stat, done, _ := openDir(abs) // an unreadable ignored directory costs the build nothing
	defer done()
	var files, bytes int64
	for _, e := range entries {
		cabs := abs + string(os.PathSeparator) + e.Name()
		switch t := e.Type(); {
		case t.IsDir():
			p.wg.Add(1)
			select {
			case spm := <-w.slots:
				go func() {
					w.size(p, cabs)
					w.slots <- spm
				}()
			default:
				w.size(p, cabs)
			}
		case t&fs.ModeSymlink != 0:
			files++
		case t.IsRegular():
			if size, _, err := stat(e.Name()); err == nil {
				files++
				bytes += size
			}
		}
	}
	p.files.Add(files)
	p.bytes.Add(bytes)
}

func (t *task) addFile(abs, rel string, d fs.DirEntry, stat func(string) (int64, fs.FileMode, error), ignored bool) {
	mode := d.Type()
	var size int64
	if mode.IsRegular() {
		var err error
		if size, mode, err = stat(d.Name()); err != nil {
			t.problems = append(t.problems, Problem{rel, reason(err)})
			return
		}
	}
	switch {
	case mode&fs.ModeSymlink != 0:
		// Docker sends the link itself, never its target, so a loop is harmless
		// to the build; we still note a dangling or looping link.
		size = 0
		if _, err := os.Stat(abs); err != nil && !ignored {
			t.problems = append(t.problems, Problem{rel, "symlink: " + reason(err)})
		}
	case mode&(fs.ModeSocket|fs.ModeNamedPipe|fs.ModeDevice|fs.ModeCharDevice|fs.ModeIrregular) != 0:
		if !ignored {
			t.problems = append(t.problems, Problem{rel, "special file (" + mode.String() + ") not sent"})
		}
		return
	case mode.IsRegular():
		if !ignored && mode.Perm()&0o444 == 0 {
			t.problems = append(t.problems, Problem{rel, "unreadable: the build fails sending it"})
		}
	default: // it changed under us (a file became a directory): not measured
		t.problems = append(t.problems, Problem{rel, "changed while being measured"})
		return
	}
	t.files = append(t.files, File{Path: rel, Size: size, Mode: mode, Ignored: ignored})
}

// indexDirs sets each directory's run of files and what it sends. Files and
// Dirs are in the same order (a path sorts before what lies under it), so one
// merge of the two with a stack of open directories does it.
func (c *Context) indexDirs() {
	sent := make([]Usage, len(c.Files)+1) // sent[i]: the sent files among Files[:i]
	for i, f := range c.Files {
		sent[i+1] = sent[i]
		if !f.Ignored {
			sent[i+1].Files++
			sent[i+1].Bytes += f.Size
		}
	}
	var open []int
	closeUntil := func(p string, at int) {
		for len(open) > 0 && !under(p, c.Dirs[open[len(open)-1]].Path) {
			d := &c.Dirs[open[len(open)-1]]
			d.end = at
			open = open[:len(open)-1]
		}
	}
	fi := 0
	for di := range c.Dirs {
		d := c.Dirs[di].Path
		for fi < len(c.Files) && walkLess(c.Files[fi].Path, d) {
			closeUntil(c.Files[fi].Path, fi)
			fi++
		}
		closeUntil(d, fi)
		c.Dirs[di].first = fi
		open = append(open, di)
	}
	for ; fi < len(c.Files); fi++ {
		closeUntil(c.Files[fi].Path, fi)
	}
	for _, di := range open {
		c.Dirs[di].end = len(c.Files)
	}
	for i := range c.Dirs {
		d := &c.Dirs[i]
		d.Sent = Usage{Files: sent[d.end].Files - sent[d.first].Files, Bytes: sent[d.end].Bytes - sent[d.first].Bytes}
	}
}

// under reports whether p lies below dir.
func under(p, dir string) bool {
	return len(p) > len(dir) && p[len(dir)] == '/' && p[:len(dir)] == dir
}

// walkLess orders paths as the walk visits them: by name within a directory,
// a directory's contents right after it; that is byte order with "/" lowest.
func walkLess(a, b string) bool {
	n := min(len(a), len(b))
	for i := range n {
		x, y := a[i], b[i]
		if x == y {
			continue
		}
		if x == '/' {
			return true
		}
		if y == '/' {
			return false
		}
		return x < y
	}
	return len(a) < len(b)
}
