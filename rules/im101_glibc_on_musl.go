package rules

import (
	"encoding/binary"
	"fmt"
	"io/fs"
	"sort"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/shipshape-dev/shipshape/layers"
	"github.com/shipshape-dev/shipshape/lint"
)

// GlibcOnMusl: P03.
var GlibcOnMusl = &lint.Rule{
	Code:  "IM101",
	Name:  "glibc-binary-on-musl",
	Title: "Do not ship glibc binaries on a musl (Alpine) root filesystem",
	Rationale: "A program linked against glibc asks the kernel for glibc's loader (/lib64/ld-linux-x86-64.so.2) " +
		"when it starts. Alpine and other musl-based images do not have it, so the program fails with a " +
		"baffling `not found` although the file is there — or, with a compatibility shim, runs with subtle " +
		"differences (DNS, locales, threads). Prebuilt downloads (JDKs, Node builds, CLIs) and Python wheels " +
		"built for manylinux are the usual cause. shipshape reads the program headers of executable files " +
		"(the first 4 KiB of each) to find the loader they name, and reports those that need a loader the " +
		"image does not have.",
	Severity: lint.Warning,
	Practice: []string{"P03"},
	Scope:    lint.ScopeImage,
	Bad:      "FROM alpine:3.20\nADD https://example.com/tool-linux-amd64.tar.gz /tmp/\nRUN tar -xzf /tmp/tool-linux-amd64.tar.gz -C /usr/local/bin && rm /tmp/tool-linux-amd64.tar.gz\n",
	Good:     "FROM alpine:3.20\nRUN apk add --no-cache tool\n",
	Reads: func(*v1.ConfigFile) *lint.Want {
		return &lint.Want{Match: execCandidate, Head: 4096, Read: readInterp}
	},
	Check: checkGlibcOnMusl,
}

// muslArches are the architecture names in musl's loader, /lib/ld-musl-ARCH.so.1.
var muslArches = []string{"x86_64", "aarch64", "armhf", "arm", "i386", "x86", "ppc64le", "ppc64", "s390x",
	"riscv64", "loongarch64", "mips", "mipsel", "mips64", "mips64el"}

// execCandidate picks files that may be dynamically linked programs:
// executable, big enough for an ELF header, outside documentation.
func execCandidate(e *layers.Entry) bool {
	return e.Mode&0o111 != 0 && e.Size >= 64 && !strings.HasPrefix(e.Path, "usr/share/")
}

// readInterp keeps the loader an ELF program asks for, when it names one.
func readInterp(_ *layers.Entry, head []byte) any {
	if interp, ok := elfInterp(head); ok {
		return interp
	}
	return nil
}

// elfInterp returns the PT_INTERP path of an ELF file from its first bytes.
func elfInterp(head []byte) (string, bool) {
	if len(head) < 52 || string(head[:4]) != "\x7fELF" {
		return "", false
	}
	var bo binary.ByteOrder = binary.LittleEndian
	if head[5] == 2 {
		bo = binary.BigEndian
	}
	var phoff, phentsize, phnum uint64
	is64 := head[4] == 2
	if is64 {
		if len(head) < 64 {
			return "", false
		}
		phoff, phentsize, phnum = bo.Uint64(head[32:]), uint64(bo.Uint16(head[54:])), uint64(bo.Uint16(head[56:]))
	} else {
		phoff, phentsize, phnum = uint64(bo.Uint32(head[28:])), uint64(bo.Uint16(head[42:])), uint64(bo.Uint16(head[44:]))
	}
	for i := uint64(0); i < phnum && i < 64; i++ {
		at := phoff + i*phentsize
		if at+phentsize > uint64(len(head)) || phentsize < 32 {
			return "", false
		}
		ph := head[at:]
		if bo.Uint32(ph) != 3 { // PT_INTERP
			continue
		}
		var off, size uint64
		if is64 {
			off, size = bo.Uint64(ph[8:]), bo.Uint64(ph[32:])
		} else {
			off, size = uint64(bo.Uint32(ph[4:])), uint64(bo.Uint32(ph[16:]))
		}
		if size == 0 || size > 256 || off+size > uint64(len(head)) {
			return "", false
		}
		return strings.TrimRight(string(head[off:off+size]), "\x00"), true
	}
	return "", false
}

func checkGlibcOnMusl(p *lint.Pass) {
	t := p.Image
	foreign := false
	for _, f := range p.Facts() {
		foreign = foreign || !strings.Contains(f.Value.(string), "musl")
	}
	if !foreign {
		return // no program asks for another loader than musl's
	}
	musl := false
	for _, arch := range muslArches {
		musl = musl || t.Merged.Exists("lib/ld-musl-"+arch+".so.1")
	}
	if !musl {
		return
	}
	byLayer := map[int][]lint.ImagePath{}
	loaders := map[int]map[string]bool{}
	for _, f := range p.Facts() {
		interp := f.Value.(string)
		if strings.Contains(interp, "musl") {
			continue
		}
		e := t.Taken.Entry(f.Ref)
		if t.Merged.Fates[f.Ref.Layer][f.Ref.Entry].How != layers.Alive || e.Mode&fs.ModeType != 0 {
			continue
		}
		// a loader the image has (gcompat, a glibc package) runs it
		if t.Merged.Exists(interp) {
			continue
		}
		li := int(f.Ref.Layer)
		byLayer[li] = append(byLayer[li], lint.ImagePath{Path: e.Display(), Bytes: e.Size, Files: 1})
		if loaders[li] == nil {
			loaders[li] = map[string]bool{}
		}
		loaders[li][interp] = true
	}
	var ls []int
	for li := range byLayer {
		ls = append(ls, li)
	}
	sort.Ints(ls)
	for _, li := range ls {
		paths := byLayer[li]
		var names []string
		for l := range loaders[li] {
			names = append(names, l)
		}
		sort.Strings(names)
		lg := imLayerGroup{layer: li, paths: paths}
		fix := "install the musl build of the software (`apk add …`), build it from source in a builder stage, or use a glibc base (debian:bookworm-slim, a distroless image) for it"
		p.ReportLayer(li, paths, 0, fix, fmt.Sprintf("%s adds %s linked against glibc (%s) to a musl root filesystem: %s; "+
			"a glibc program fails to start there with `not found`, because the loader it asks for is not in the image. Fix: %s",
			imAt(p, li), plural(len(paths), "program", "programs"), strings.Join(names, ", "), lg.names(3), fix))
	}
}
