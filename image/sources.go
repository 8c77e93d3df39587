package image

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"
)

// source is one way of reaching images, named by the transport prefix users
// know from skopeo.
type source struct {
	name  string
	usage string // what follows the prefix
	doc   string
	open  func(ctx context.Context, rest string, opts resolved) (*Image, error)
}

// sources is every transport Open understands, in the order help lists them.
var sources = []source{
	{"docker-archive", "PATH[:TAG|:@INDEX]", "a tar written by docker save (legacy or Docker ≥ 25 OCI-style), kaniko, skopeo or buildah; read in place", openDockerArchiveFile},
	{"oci-archive", "PATH[:REF]", "an OCI image layout packed in a tar; read in place", openOCIArchive},
	{"oci", "DIR[:REF]", "an OCI image layout directory", openOCIDir},
	{"docker", "//REF", "an image in a registry; credentials from ~/.docker/config.json and credential helpers", openRegistry},
	{"docker-daemon", "NAME", "an image in a Docker Engine (or podman system service) reached through DOCKER_HOST, streamed without a copy on disk", openDaemon},
}

// SourceInfo describes one transport, for help texts.
type SourceInfo struct {
	Name  string // transport prefix, without the colon
	Usage string // what follows it
	Doc   string
}

// Sources lists every transport Open understands. A bare path is detected by
// its content; a bare reference is a registry image.
func Sources() []SourceInfo {
	out := make([]SourceInfo, len(sources))
	for i, s := range sources {
		out[i] = SourceInfo{Name: s.name, Usage: s.usage, Doc: s.doc}
	}
	return out
}

// Open opens the image ref names: TRANSPORT:REST for a transport of Sources,
// a path (detected by content) or a registry reference.
func Open(ctx context.Context, ref string, opts Options) (*Image, error) {
	o, err := opts.resolve()
	if err != nil {
		return nil, err
	}
	src, rest, err := route(ref)
	if err != nil {
		return nil, err
	}
	img, err := src.open(ctx, rest, o)
	if err != nil {
		return nil, fmt.Errorf("opening %s %q: %w", src.name, rest, err)
	}
	img.Reference = ref
	img.Source = src.name
	return img, nil
}

// route finds the source for ref and what remains of it after the prefix.
func route(ref string) (source, string, error) {
	if t, rest, ok := strings.Cut(ref, ":"); ok {
		for _, s := range sources {
			if s.name == t {
				if s.name == "docker" {
					rest = strings.TrimPrefix(rest, "//")
				}
				return s, rest, nil
			}
		}
	}
	if st, err := os.Stat(ref); err == nil {
		return detect(ref, st)
	}
	if looksLikePath(ref) {
		return source{}, "", fmt.Errorf("opening %q: no such file or directory", ref)
	}
	if _, err := name.ParseReference(ref); err != nil {
		return source{}, "", fmt.Errorf("%q is neither a file nor an image reference: %w", ref, err)
	}
	return sourceNamed("docker"), ref, nil
}

func looksLikePath(s string) bool {
	return strings.HasPrefix(s, "/") || strings.HasPrefix(s, "./") || strings.HasPrefix(s, "../") ||
		strings.HasSuffix(s, ".tar") || strings.HasSuffix(s, ".tar.gz") || strings.HasSuffix(s, ".tgz")
}

func sourceNamed(n string) source {
	for _, s := range sources {
		if s.name == n {
			return s
		}
	}
	panic("image: no source " + n) // the table is fixed at compile time
}

// detect tells a bare path's format by what it holds: a directory with an
// oci-layout file, a tar with manifest.json (docker save) or index.json.
func detect(p string, st fs.FileInfo) (source, string, error) {
	if st.IsDir() {
		if _, err := os.Stat(p + "/oci-layout"); err == nil {
			return sourceNamed("oci"), p, nil
		}
		return source{}, "", fmt.Errorf("directory %q is not an OCI image layout (no oci-layout file)", p)
	}
	f, err := os.Open(p)
	if err != nil {
		return source{}, "", err
	}
	defer f.Close()
	ix, err := indexTar(f, st.Size())
	if err != nil {
		return source{}, "", fmt.Errorf("reading %q: %w", p, err)
	}
	switch {
	case ix.has("manifest.json"):
		return sourceNamed("docker-archive"), p, nil
	case ix.has("index.json"), ix.has("oci-layout"):
		return sourceNamed("oci-archive"), p, nil
	}
	return source{}, "", fmt.Errorf("%q holds neither manifest.json (docker save) nor index.json (OCI layout)", p)
}

// splitPathRef splits PATH[:REF]: the whole string when it names a file,
// else at the first colon, as skopeo does.
func splitPathRef(rest string) (string, string) {
	if _, err := os.Stat(rest); err == nil {
		return rest, ""
	}
	p, ref, _ := strings.Cut(rest, ":")
	return p, ref
}

// openArchiveFile indexes the tar at p; the caller owns the returned file.
func openArchiveFile(p string) (*os.File, *tarIndex, error) {
	f, err := os.Open(p)
	if err != nil {
		return nil, nil, err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, nil, err
	}
	if st.IsDir() {
		f.Close()
		return nil, nil, errors.New("is a directory; use oci:DIR for an OCI layout directory")
	}
	ix, err := indexTar(f, st.Size())
	if err != nil {
		f.Close()
		return nil, nil, err
	}
	return f, ix, nil
}

func openDockerArchiveFile(ctx context.Context, rest string, opts resolved) (*Image, error) {
	p, ref := splitPathRef(rest)
	f, ix, err := openArchiveFile(p)
	if err != nil {
		return nil, err
	}
	img, _, err := openDockerArchive(ctx, ix, ref, opts)
	if err != nil {
		f.Close()
		return nil, err
	}
	// Docker ≥ 25 writes an OCI layout beside manifest.json: when it holds
	// the same image, its manifest gives the real digest and media types.
	if ix.has("index.json") {
		if oci, err := openLayout(ctx, ix, ref, opts); err == nil && oci.ConfigDigest == img.ConfigDigest {
			oci.Tags = img.Tags
			img = oci
		}
	}
	img.closer = f.Close
	return img, nil
}

func openOCIArchive(ctx context.Context, rest string, opts resolved) (*Image, error) {
	p, ref := splitPathRef(rest)
	f, ix, err := openArchiveFile(p)
	if err != nil {
		return nil, err
	}
	img, err := openLayout(ctx, ix, ref, opts)
	if err != nil {
		f.Close()
		return nil, err
	}
	img.closer = f.Close
	return img, nil
}

func openOCIDir(ctx context.Context, rest string, opts resolved) (*Image, error) {
	p, ref := splitPathRef(rest)
	if _, err := os.Stat(p + "/oci-layout"); err != nil {
		return nil, fmt.Errorf("not an OCI image layout: %w", err)
	}
	return openLayout(ctx, dirFS(p), ref, opts)
}
