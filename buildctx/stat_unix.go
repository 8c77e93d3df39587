//go:build unix

package buildctx

import (
	"io/fs"
	"os"
	"slices"
	"strings"

	"golang.org/x/sys/unix"
)

// openDir reads a directory's entries, sorted by name, and returns a stat
// that looks names up relative to the open directory (fstatat), not from the
// root: on a large tree, resolving every file's full path again was half the
// walk's time. The caller closes the directory when done with stat.
func openDir(abs string) ([]fs.DirEntry, func(name string) (int64, fs.FileMode, error), func(), error) {
	f, err := os.Open(abs)
	if err != nil {
		return nil, nil, func() {}, err
	}
	entries, err := f.ReadDir(-1)
	slices.SortFunc(entries, func(a, b fs.DirEntry) int { return strings.Compare(a.Name(), b.Name()) })
	fd := int(f.Fd())
	stat := func(name string) (int64, fs.FileMode, error) {
		var st unix.Stat_t
		for {
			err := unix.Fstatat(fd, name, &st, unix.AT_SYMLINK_NOFOLLOW)
			if err == unix.EINTR {
				continue
			}
			if err != nil {
				return 0, 0, &fs.PathError{Op: "lstat", Path: name, Err: err}
			}
			return st.Size, fileMode(st.Mode), nil
		}
	}
	return entries, stat, func() { f.Close() }, err
}

// fileMode converts st_mode as os.Lstat does, for the types a context holds.
func fileMode(m uint32) fs.FileMode {
	mode := fs.FileMode(m & 0o777)
	switch m & unix.S_IFMT {
	case unix.S_IFDIR:
		mode |= fs.ModeDir
	case unix.S_IFLNK:
		mode |= fs.ModeSymlink
	case unix.S_IFIFO:
		mode |= fs.ModeNamedPipe
	case unix.S_IFSOCK:
		mode |= fs.ModeSocket
	case unix.S_IFCHR:
		mode |= fs.ModeDevice | fs.ModeCharDevice
	case unix.S_IFBLK:
		mode |= fs.ModeDevice
	}
	if m&unix.S_ISUID != 0 {
		mode |= fs.ModeSetuid
	}
	if m&unix.S_ISGID != 0 {
		mode |= fs.ModeSetgid
	}
	if m&unix.S_ISVTX != 0 {
		mode |= fs.ModeSticky
	}
	return mode
}
