package image

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/google/go-containerregistry/pkg/authn"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// Output is an image to write: its config and its layer blobs, base first.
type Output struct {
	RawConfig []byte
	Layers    []Blob
	// OCI asks for an OCI manifest where the destination has a choice (a
	// registry); OCI layouts always get one, and so does an image with a
	// zstd layer, which Docker's manifest cannot name.
	OCI bool
	// Tags name the image in a docker-archive when the destination names
	// none (docker save's RepoTags); tags that do not parse are left out.
	Tags []string
}

// SinkOptions tune CreateSink. The zero value means every default.
type SinkOptions struct {
	// Insecure allows plain http to a registry. Default false.
	Insecure bool
	// Keychain finds registry credentials. Default authn.DefaultKeychain.
	Keychain authn.Keychain
	// Inputs are the references the image is read from: a destination
	// that is one of their files, lies inside their directory or holds
	// them is refused. Default none.
	Inputs []string
	// TempDir holds spooled blobs for registry destinations. Default
	// os.TempDir(); file destinations spool beside themselves.
	TempDir string
}

// sink is one way of writing images, named like the sources.
type sink struct {
	name  string
	usage string
	doc   string
}

var sinks = []sink{
	{"docker-archive", "PATH[:TAG]", "a docker save tar, loadable by docker load and podman load; TAG (default: the input's tags) becomes its RepoTags"},
	{"oci-archive", "PATH[:REF]", "an OCI image layout packed in a tar; REF becomes its ref name"},
	{"oci", "DIR[:REF]", "an OCI image layout directory; DIR must not exist or be empty"},
	{"docker", "//REF", "push to a registry; credentials from ~/.docker/config.json and credential helpers"},
}

// Sinks lists every transport CreateSink writes to.
func Sinks() []SourceInfo {
	out := make([]SourceInfo, len(sinks))
	for i, s := range sinks {
		out[i] = SourceInfo{Name: s.name, Usage: s.usage, Doc: s.doc}
	}
	return out
}

// Written says where an image was written.
type Written struct {
	// Reference opens the image with Open: the staged copy after Write,
	// the destination after Commit.
	Reference    string
	Digest       string // manifest digest (for a docker-archive, the one Open derives)
	ConfigDigest string
	Size         int64 // bytes of the blobs, config and manifest
}

// Sink writes one image to a destination in two steps, so that nothing
// partial is ever left there: Write stages it (beside a file destination,
// or in a registry by digest only) where it can be opened and checked, and
// Commit moves it into place (a rename, or the tag). Abort removes what
// was staged. A Sink is used by one goroutine.
type Sink struct {
	kind  string // the sink's name
	dest  string // as given
	path  string // absolute file or directory for local sinks
	given string // the path as given, for the reference Commit returns
	ref   string // tag or ref name after PATH:, or the registry reference
	opts  SinkOptions
	stage string // staged file or directory
	temps []string
	reg   *registrySink

	written *Written
	done    bool
}

// CreateSink checks dest (TRANSPORT:REST, or a bare path ending in .tar for
// a docker-archive) and prepares it for writing.
func CreateSink(dest string, opts SinkOptions) (*Sink, error) {
	if opts.Keychain == nil {
		opts.Keychain = authn.DefaultKeychain
	}
	kind, rest, ok := strings.Cut(dest, ":")
	if !ok || !knownSink(kind) {
		if strings.HasSuffix(dest, ".tar") {
			kind, rest = "docker-archive", dest
		} else {
			return nil, fmt.Errorf("output %q: name a transport: %s", dest, sinkNames())
		}
	}
	s := &Sink{kind: kind, dest: dest, opts: opts}
	if kind == "docker" {
		r, err := newRegistrySink(strings.TrimPrefix(rest, "//"), opts)
		if err != nil {
			return nil, fmt.Errorf("output %q: %w", dest, err)
		}
		s.reg, s.ref = r, r.ref.String()
		return s, nil
	}
	p, ref, _ := strings.Cut(rest, ":")
	if p == "" {
		return nil, fmt.Errorf("output %q: no path", dest)
	}
	abs, err := filepath.Abs(p)
	if err != nil {
		return nil, fmt.Errorf("output %q: %w", dest, err)
	}
	s.path, s.given, s.ref = abs, p, ref
	if err := s.checkLocal(); err != nil {
		return nil, fmt.Errorf("output %q: %w", dest, err)
	}
	return s, nil
}

func knownSink(name string) bool {
	for _, s := range sinks {
		if s.name == name {
			return true
		}
	}
	return false
}

func sinkNames() string {
	var n []string
	for _, s := range sinks {
		n = append(n, s.name+":"+s.usage)
	}
	return strings.Join(n, ", ")
}

// checkLocal refuses destinations that cannot be written or that would
// damage an input.
func (s *Sink) checkLocal() error {
	parent := filepath.Dir(s.path)
	st, err := os.Stat(parent)
	if err != nil {
		return fmt.Errorf("the directory %s to write into: %w", parent, err)
	}
	if !st.IsDir() {
		return fmt.Errorf("%s is not a directory", parent)
	}
	if st, err := os.Stat(s.path); err == nil {
		switch {
		case s.kind == "oci" && !st.IsDir():
			return fmt.Errorf("%s exists and is not a directory", s.path)
		case s.kind == "oci":
			ents, err := os.ReadDir(s.path)
			if err != nil {
				return err
			}
			if len(ents) > 0 {
				return fmt.Errorf("directory %s exists and is not empty; remove it or name a new directory", s.path)
			}
		case st.IsDir():
			return fmt.Errorf("%s is a directory; use oci:DIR to write an OCI layout directory", s.path)
		}
	}
	out := realPath(s.path)
	for _, in := range s.opts.Inputs {
		p, ok := localPath(in)
		if !ok {
			continue
		}
		ip := realPath(p)
		switch {
		case ip == out:
			return fmt.Errorf("it is the input %s; write to another path (the input is read while the output is written)", in)
		case within(out, ip):
			return fmt.Errorf("it lies inside the input %s; write outside the input's directory", in)
		case within(ip, out):
			return fmt.Errorf("it would hold the input %s; write to another path", in)
		}
	}
	return nil
}

// localPath is the file or directory an input reference reads, if any.
func localPath(ref string) (string, bool) {
	src, rest, err := route(ref)
	if err != nil {
		return "", false
	}
	switch src.name {
	case "docker-archive", "oci-archive", "oci":
		p, _ := splitPathRef(rest)
		return p, true
	}
	return "", false
}

// realPath resolves symbolic links in the longest existing prefix of p.
func realPath(p string) string {
	p, _ = filepath.Abs(p)
	rest := ""
	for cur := p; ; cur = filepath.Dir(cur) {
		if r, err := filepath.EvalSymlinks(cur); err == nil {
			return filepath.Join(r, rest)
		}
		if filepath.Dir(cur) == cur {
			return p
		}
		rest = filepath.Join(filepath.Base(cur), rest)
	}
}

func within(p, dir string) bool {
	rel, err := filepath.Rel(dir, p)
	return err == nil && rel != "." && rel != ".." && !strings.HasPrefix(rel, "../")
}

// TempFile creates a file for a blob that must be complete before it can be
// stored (its digest names it): beside a file destination, so that moving
// it in costs nothing. Commit and Abort remove it.
func (s *Sink) TempFile() (*os.File, error) {
	dir := s.opts.TempDir
	if s.path != "" {
		dir = filepath.Dir(s.path)
	}
	f, err := os.CreateTemp(dir, "."+s.baseName()+".layer-*")
	if err != nil {
		return nil, fmt.Errorf("creating a temporary file for the new layer: %w", err)
	}
	s.temps = append(s.temps, f.Name())
	return f, nil
}

func (s *Sink) baseName() string {
	if s.path != "" {
		return filepath.Base(s.path)
	}
	return "shipshape"
}

// Write stages the image; the result's Reference opens the staged copy.
func (s *Sink) Write(ctx context.Context, out *Output) (*Written, error) {
	if s.written != nil {
		return nil, errors.New("sink already written")
	}
	for i, b := range out.Layers {
		if _, err := v1.NewHash(b.Digest); err != nil {
			return nil, fmt.Errorf("layer %d: %w", i, err)
		}
		if _, err := v1.NewHash(b.DiffID); err != nil {
			return nil, fmt.Errorf("layer %d: %w", i, err)
		}
	}
	var w *Written
	var err error
	switch s.kind {
	case "docker":
		w, err = s.reg.write(ctx, out)
	case "oci":
		w, err = s.writeLayoutDir(ctx, out)
	case "oci-archive":
		w, err = s.writeArchive(ctx, out, true)
	case "docker-archive":
		w, err = s.writeArchive(ctx, out, false)
	}
	if err != nil {
		s.Abort()
		return nil, fmt.Errorf("writing %s: %w", s.dest, err)
	}
	s.written = w
	return w, nil
}

// Commit moves the staged image into place and returns where it is.
func (s *Sink) Commit(ctx context.Context) (*Written, error) {
	if s.written == nil {
		return nil, errors.New("nothing written to commit")
	}
	w := *s.written
	if s.kind == "docker" {
		ref, err := s.reg.commit(ctx)
		if err != nil {
			return nil, fmt.Errorf("tagging %s: %w", s.dest, err)
		}
		w.Reference = ref
		s.done = true
		return &w, nil
	}
	if s.kind == "oci" {
		if err := os.Remove(s.path); err != nil && !errors.Is(err, os.ErrNotExist) {
			s.Abort()
			return nil, fmt.Errorf("replacing the empty directory %s: %w", s.path, err)
		}
	}
	if err := os.Rename(s.stage, s.path); err != nil {
		s.Abort()
		return nil, fmt.Errorf("moving the written image to %s: %w", s.path, err)
	}
	s.stage = ""
	s.removeTemps()
	w.Reference = s.kind + ":" + s.given
	if s.ref != "" {
		w.Reference += ":" + s.ref
	}
	s.done = true
	return &w, nil
}

// Abort removes everything staged. It is safe to call after Commit, when
// it does nothing.
func (s *Sink) Abort() {
	if s.done {
		return
	}
	if s.stage != "" {
		os.RemoveAll(s.stage)
		s.stage = ""
	}
	s.removeTemps()
}

func (s *Sink) removeTemps() {
	for _, t := range s.temps {
		os.Remove(t)
	}
	s.temps = nil
}

// Media types in the two manifest families. Blobs keep their bytes; only the
// name of their type changes with the manifest that lists them.
func ociType(mt string) types.MediaType {
	switch types.MediaType(mt) {
	case types.DockerLayer:
		return types.OCILayer
	case types.DockerUncompressedLayer:
		return types.OCIUncompressedLayer
	case types.DockerForeignLayer:
		return types.OCIRestrictedLayer
	}
	return types.MediaType(mt)
}

func dockerType(mt string) (types.MediaType, bool) {
	switch types.MediaType(mt) {
	case types.OCILayer, types.DockerLayer:
		return types.DockerLayer, true
	case types.OCIUncompressedLayer, types.DockerUncompressedLayer:
		return types.DockerUncompressedLayer, true
	case types.OCIRestrictedLayer, types.DockerForeignLayer:
		return types.DockerForeignLayer, true
	}
	return "", false
}

// manifestFor builds the manifest listing out's blobs: OCI when asked or
// when a layer type has no Docker name, else Docker schema 2.
func manifestFor(out *Output, cfg v1.Hash, oci bool) (*v1.Manifest, error) {
	if !oci {
		for _, b := range out.Layers {
			if _, ok := dockerType(b.MediaType); !ok {
				oci = true
			}
		}
	}
	m := &v1.Manifest{SchemaVersion: 2, MediaType: types.DockerManifestSchema2,
		Config: v1.Descriptor{MediaType: types.DockerConfigJSON, Size: int64(len(out.RawConfig)), Digest: cfg}}
	if oci {
		m.MediaType, m.Config.MediaType = types.OCIManifestSchema1, types.OCIConfigJSON
	}
	for i, b := range out.Layers {
		d, err := v1.NewHash(b.Digest)
		if err != nil {
			return nil, fmt.Errorf("layer %d: %w", i, err)
		}
		mt := ociType(b.MediaType)
		if !oci {
			mt, _ = dockerType(b.MediaType)
		}
		m.Layers = append(m.Layers, v1.Descriptor{MediaType: mt, Size: b.Size, Digest: d})
	}
	return m, nil
}
