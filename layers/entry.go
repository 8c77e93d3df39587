// Package layers reads every layer of an image once, as a stream, into file
// records, and merges them into the final filesystem the way the OCI image
// spec defines it: whiteouts, opaque directories, type changes and hard
// links. It never extracts anything to disk and never keeps file contents.
package layers

import (
	"io/fs"
	"strings"
)

// Kind is the type of a layer entry.
type Kind uint8

// Entry kinds, from the tar type flags.
const (
	Regular Kind = iota
	Dir
	Symlink
	Hardlink
	CharDevice
	BlockDevice
	FIFO
	Other
)

var kindNames = [...]string{"file", "dir", "symlink", "hardlink", "char-device", "block-device", "fifo", "other"}

func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "other"
}

// Entry is one tar entry of a layer: a file, a directory, a link, a whiteout
// (Path was deleted) or an opaque marker (Path's lower contents are hidden).
type Entry struct {
	Path     string // cleaned, slash-separated, relative to / ("etc/passwd"); "" is the root
	Link     string // symlink target as written, or the hard link's target path (cleaned)
	Size     int64  // the tar header's size: the content length of regular files
	Mode     fs.FileMode
	UID, GID int32
	Kind     Kind
	Whiteout bool // a .wh.NAME marker: Path is the path it deletes
	Opaque   bool // a .wh..wh..opq marker: Path is the directory made opaque
}

// Display is the path as users read it, rooted at "/".
func (e *Entry) Display() string { return "/" + e.Path }

// IsMarker reports whether the entry is a whiteout or an opaque marker rather
// than content.
func (e *Entry) IsMarker() bool { return e.Whiteout || e.Opaque }

const (
	whiteoutPrefix = ".wh."
	metaPrefix     = ".wh..wh."
	opaqueName     = ".wh..wh..opq"
)

// parent returns the directory holding p ("" for a top-level path).
func parent(p string) string {
	if i := strings.LastIndexByte(p, '/'); i >= 0 {
		return p[:i]
	}
	return ""
}

// base returns the last element of p.
func base(p string) string {
	if i := strings.LastIndexByte(p, '/'); i >= 0 {
		return p[i+1:]
	}
	return p
}

// join puts a name under dir.
func join(dir, name string) string {
	if dir == "" {
		return name
	}
	return dir + "/" + name
}
