package rules

import (
	"fmt"
	"path"

	"github.com/shipshape-dev/shipshape/buildctx"
	"github.com/shipshape-dev/shipshape/lint"
)

// EditorFilesSent: P21.
var EditorFilesSent = &lint.Rule{
	Code:  "CX306",
	Name:  "editor-files-sent",
	Title: "Editor and operating-system files stay out of the build context",
	Rationale: "IDE settings (.idea, .vscode, .vs), editor swap files (*.swp, *.swo) and the files macOS and " +
		"Windows leave behind (.DS_Store, Thumbs.db) are personal and change as you work. Sent with the " +
		"context, `COPY . .` puts them in the image and rebuilds that layer, and every step after it, whenever " +
		"the editor saves its state. Files found in several places share one line (`**/.DS_Store`) when it " +
		"excludes nothing else.",
	Severity: lint.Info,
	Practice: []string{"P21"},
	Scope:    lint.ScopeContext,
	Bad:      "-- Dockerfile --\nFROM golang:1.23\nCOPY . /src\n-- .dockerignore --\n.git\n-- .idea/workspace.xml --\n<project version=\"4\"/>\n-- main.go --\npackage main\n",
	Good:     "-- Dockerfile --\nFROM golang:1.23\nCOPY . /src\n-- .dockerignore --\n.git\n.idea\n-- .idea/workspace.xml --\n<project version=\"4\"/>\n-- main.go --\npackage main\n",
	Check: func(p *lint.Pass) {
		c := p.Context
		dirs := sentDirsNamed(p, editorDirs...)
		srcs := contextSources(p.File)
		byGlob := make([][]ctxPath, len(editorFiles))
		for _, f := range c.Files {
			if f.Ignored {
				continue
			}
			base := path.Base(f.Path)
			for i, glob := range editorFiles {
				if !elemMatch(glob, base) || underAny(f.Path, dirs) || c.Reincluded(f.Path) || needed(srcs, f.Path) {
					continue
				}
				byGlob[i] = append(byGlob[i], ctxPath{path: f.Path, sent: buildctx.Usage{Files: 1, Bytes: f.Size}, line: ignoreLine(f.Path)})
				break
			}
		}
		found := dirs
		for i, same := range byGlob {
			shareGlob(c, same, editorFiles[i])
			found = append(found, same...)
		}
		reportPaths(p, found, func(x ctxPath) string {
			what := editorKinds[path.Base(x.path)]
			if what == "" {
				what = "an editor's swap file"
			}
			return fmt.Sprintf("`%s` is %s (%s): personal, and `COPY . .` rebuilds that layer whenever it changes: %s",
				x.path, what, sizeOf(x.sent), addLine(x))
		})
	},
}

var editorDirs = []string{".idea", ".vscode", ".vs"}

var editorFiles = []string{".DS_Store", "Thumbs.db", "*.swp", "*.swo"}

var editorKinds = map[string]string{
	".idea":     "a JetBrains IDE's project settings",
	".vscode":   "Visual Studio Code's settings",
	".vs":       "Visual Studio's settings",
	".DS_Store": "a macOS Finder file",
	"Thumbs.db": "a Windows thumbnail cache",
}
