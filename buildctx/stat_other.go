//go:build !unix

package buildctx

import (
	"io/fs"
	"os"
	"path/filepath"
)

// openDir reads a directory's entries, sorted by name, and returns a stat of
// a name in it (see stat_unix.go).
func openDir(abs string) ([]fs.DirEntry, func(name string) (int64, fs.FileMode, error), func(), error) {
	entries, err := os.ReadDir(abs)
	stat := func(name string) (int64, fs.FileMode, error) {
		info, err := os.Lstat(filepath.Join(abs, name))
		if err != nil {
			return 0, 0, err
		}
		return info.Size(), info.Mode(), nil
	}
	return entries, stat, func() {}, err
}
