package rules

import (
	"fmt"
	"math"
	"path"
	"regexp"
	"strconv"
	"strings"

	"github.com/shipshape-dev/shipshape/buildctx"
	"github.com/shipshape-dev/shipshape/lint"
)

// DataFileSent: P21, P30.
var DataFileSent = &lint.Rule{
	Code:  "CX304",
	Name:  "data-file-sent",
	Title: "Large data files and dumps stay out of the build context",
	Rationale: "Data sets, database files, archives, model weights and memory or database dumps are large and " +
		"rarely needed to build an image. Each one is sent to the builder on every build, and `COPY . .` puts " +
		"it in a layer that every pull downloads. Mount data at run time or download it where it is used; when " +
		"the image really needs a file, COPY it by name, and this rule leaves it alone. Reported: files with a " +
		"data extension (.csv, .parquet, .sqlite, .db, .zip, .tar.gz, .bin, .h5, .pkl, .npy, .pt, .safetensors, " +
		".sql, .dump, .hprof, core dumps, …) of at least the threshold, or a directory holding nothing else " +
		"whose data add up to it.",
	Severity: lint.Warning,
	Practice: []string{"P21", "P30"},
	Scope:    lint.ScopeContext,
	Options: []lint.Option{{Name: "threshold", Default: "10MiB",
		Doc: "smallest size reported, in bytes or with a unit: `500KB`, `10MiB`, `1GB`"}},
	Bad: "-- Dockerfile --\nFROM python:3.12-slim\nCOPY . /app\n-- .dockerignore --\n.git\n-- app.py --\nprint('hi')\n" +
		"-- data/train.csv --\n(48 MiB of CSV)\n",
	Good: "-- Dockerfile --\nFROM python:3.12-slim\nCOPY . /app\n-- .dockerignore --\n.git\ndata\n-- app.py --\nprint('hi')\n" +
		"-- data/train.csv --\n(48 MiB of CSV)\n",
	Check: func(p *lint.Pass) {
		c := p.Context
		limit, err := parseSize(p.Option("threshold"))
		if err != nil {
			p.ReportPath(".", 0, "", fmt.Sprintf("the threshold option of %s is %v; want a size such as `10MiB`: %v", p.Rule.Code, p.Option("threshold"), err))
			return
		}
		srcs := contextSources(p.File)
		// A directory is a candidate when no sent file below it is anything but
		// data: mark the ancestors of every other sent file.
		mixed := map[string]bool{".": true}
		for _, f := range c.Files {
			if f.Ignored || isDataFile(f.Path) {
				continue
			}
			for d := path.Dir(f.Path); !mixed[d]; d = path.Dir(d) {
				mixed[d] = true
			}
		}
		var found []ctxPath
		skip := func(p string) bool {
			return len(found) > 0 && strings.HasPrefix(p, found[len(found)-1].path+"/")
		}
		ok := func(x string) bool { return !c.Reincluded(x) && !needed(srcs, x) }
		for _, d := range c.Dirs {
			if mixed[d.Path] || d.Sent.Files == 0 || d.Sent.Bytes < limit || skip(d.Path) || !ok(d.Path) {
				continue
			}
			found = append(found, ctxPath{path: d.Path, sent: d.Sent, line: ignoreLine(d.Path)})
		}
		dirs := len(found)
		for _, f := range c.Files {
			if f.Ignored || f.Size < limit || !isDataFile(f.Path) || underAny(f.Path, found[:dirs]) || !ok(f.Path) {
				continue
			}
			found = append(found, ctxPath{path: f.Path, sent: buildctx.Usage{Files: 1, Bytes: f.Size}, line: ignoreLine(f.Path)})
		}
		reportPaths(p, found, func(x ctxPath) string {
			what := fmt.Sprintf("is a %s %s", buildctx.HumanBytes(x.sent.Bytes), dataKind(x.path))
			if x.sent.Files > 1 || !isDataFile(x.path) {
				what = fmt.Sprintf("holds only data files, %s,", sizeOf(x.sent))
			}
			return fmt.Sprintf("`%s` %s sent to the builder on every build, and `COPY . .` puts it in the image; "+
				"mount or download data where it is used, or COPY what the image needs by name: %s", x.path, what, addLine(x))
		})
	},
}

func underAny(p string, ps []ctxPath) bool {
	for _, x := range ps {
		if strings.HasPrefix(p, x.path+"/") {
			return true
		}
	}
	return false
}

var dataExts = map[string]bool{
	".csv": true, ".tsv": true, ".parquet": true, ".feather": true, ".arrow": true, ".avro": true, ".orc": true,
	".jsonl": true, ".ndjson": true, ".sqlite": true, ".sqlite3": true, ".db": true, ".mdb": true,
	".h5": true, ".hdf5": true, ".pkl": true, ".pickle": true, ".npy": true, ".npz": true, ".bin": true,
	".pt": true, ".pth": true, ".ckpt": true, ".safetensors": true, ".onnx": true, ".gguf": true,
	".zip": true, ".tar": true, ".tgz": true, ".gz": true, ".bz2": true, ".xz": true, ".zst": true, ".7z": true, ".rar": true,
	".iso": true, ".img": true, ".dump": true, ".sql": true, ".bak": true, ".hprof": true, ".mdmp": true, ".dmp": true,
}

var coreDump = regexp.MustCompile(`^core(\.[0-9]+)?$`)

// isDataFile tells data sets, archives, model weights and dumps by name.
func isDataFile(p string) bool {
	base := strings.ToLower(path.Base(p))
	return dataExts[path.Ext(base)] || strings.HasPrefix(base, "core") && coreDump.MatchString(base)
}

// dataKind names what a data file is, for the message.
func dataKind(p string) string {
	base := strings.ToLower(path.Base(p))
	switch ext := path.Ext(strings.TrimSuffix(strings.TrimSuffix(base, ".gz"), ".zst")); {
	case coreDump.MatchString(base), ext == ".hprof", ext == ".dmp", ext == ".mdmp":
		return "memory dump"
	case ext == ".sql", ext == ".dump", ext == ".bak":
		return "database dump or backup"
	case ext == ".zip", ext == ".tar", ext == ".tgz", ext == ".7z", ext == ".rar", ext == ".gz", ext == ".bz2", ext == ".xz", ext == ".zst":
		return "archive"
	case ext == ".pt", ext == ".pth", ext == ".ckpt", ext == ".safetensors", ext == ".onnx", ext == ".gguf", ext == ".bin", ext == ".h5":
		return "model or binary data file"
	}
	return "data file"
}

var sizeRe = regexp.MustCompile(`^\s*([0-9]+(?:\.[0-9]+)?)\s*([kmgt]?)(i?)b?\s*$`)

// parseSize reads a size option: a number of bytes, or a number with a
// decimal (KB, MB) or binary (KiB, MiB) unit.
func parseSize(v any) (int64, error) {
	switch v := v.(type) {
	case int:
		return int64(v), nil
	case int64:
		return v, nil
	case float64:
		return int64(v), nil
	case string:
		m := sizeRe.FindStringSubmatch(strings.ToLower(v))
		if m == nil {
			return 0, fmt.Errorf("%q is not a size", v)
		}
		n, err := strconv.ParseFloat(m[1], 64)
		if err != nil {
			return 0, err
		}
		base := 1000.0
		if m[3] == "i" {
			base = 1024
		}
		if m[2] != "" {
			n *= math.Pow(base, float64(strings.Index("kmgt", m[2])+1))
		}
		return int64(n), nil
	}
	return 0, fmt.Errorf("%v is not a size", v)
}
