package image

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// Annotations OCI layouts name their images with: the OCI one (buildah,
// skopeo: often just a tag) and containerd's full name (Docker ≥ 25).
const (
	annotationRefName       = "org.opencontainers.image.ref.name"
	annotationContainerName = "io.containerd.image.name"
)

// layoutFS is where an OCI image layout lives: a directory or an archive.
type layoutFS interface {
	openFile(name string) (io.ReadCloser, int64, error)
}

// dirFS is an OCI layout directory.
type dirFS string

func (d dirFS) openFile(name string) (io.ReadCloser, int64, error) {
	f, err := os.Open(filepath.Join(string(d), filepath.FromSlash(name)))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, 0, fmt.Errorf("%q: %w", name, errNotInArchive)
	}
	if err != nil {
		return nil, 0, err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, 0, err
	}
	if !st.Mode().IsRegular() {
		f.Close()
		return nil, 0, fmt.Errorf("%q is not a regular file", name)
	}
	return f, st.Size(), nil
}

// layout reads an OCI image layout through its layoutFS.
type layout struct{ fs layoutFS }

var _ blobSource = layout{}

func (l layout) blob(_ context.Context, d v1.Descriptor) (io.ReadCloser, error) {
	rc, size, err := l.fs.openFile("blobs/" + d.Digest.Algorithm + "/" + d.Digest.Hex)
	if errors.Is(err, errNotInArchive) {
		return nil, fmt.Errorf("%w: %s is not in the layout's blobs/", errMissingBlob, d.Digest)
	}
	if err != nil {
		return nil, err
	}
	if size != d.Size {
		rc.Close()
		return nil, fmt.Errorf("blob %s is %d bytes in the layout where the descriptor says %d", d.Digest, size, d.Size)
	}
	return rc, nil
}

func (l layout) manifest(ctx context.Context, d v1.Descriptor, limit int64) ([]byte, error) {
	b, err := readVerified(ctx, l, d, limit)
	if err != nil {
		return nil, fmt.Errorf("reading manifest: %w", err)
	}
	return b, nil
}

// openLayout opens the image ref names in an OCI layout's index.json (a ref
// name, a containerd image name, a digest or @INDEX; empty when there is one).
func openLayout(ctx context.Context, lfs layoutFS, ref string, opts resolved) (*Image, error) {
	rc, size, err := lfs.openFile("index.json")
	if err != nil {
		return nil, fmt.Errorf("reading index.json: %w", err)
	}
	defer rc.Close()
	if size > opts.MaxManifestBytes {
		return nil, fmt.Errorf("index.json is %d bytes, more than the %d allowed", size, opts.MaxManifestBytes)
	}
	var idx v1.IndexManifest
	if err := json.NewDecoder(io.LimitReader(rc, size)).Decode(&idx); err != nil {
		return nil, fmt.Errorf("parsing index.json: %w", err)
	}
	descs, err := selectRef(idx.Manifests, ref)
	if err != nil {
		return nil, err
	}
	src := layout{fs: lfs}
	top, err := choosePlatform(descs, "index.json", opts)
	if err != nil {
		return nil, err
	}
	raw, err := src.manifest(ctx, top, opts.MaxManifestBytes)
	if err != nil {
		return nil, err
	}
	d, raw, err := descend(ctx, src, top, raw, opts, 0)
	if err != nil {
		return nil, err
	}
	img, err := buildImage(ctx, src, d, raw, opts)
	if err != nil {
		return nil, err
	}
	// Blobs are local: a missing or misfit one is reported now, not mid-walk.
	for _, l := range img.Layers {
		h, err := v1.NewHash(l.Digest)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", l.name(), err)
		}
		rc, err := src.blob(ctx, v1.Descriptor{Digest: h, Size: l.Size})
		if err != nil {
			return nil, fmt.Errorf("%s: %w", l.name(), err)
		}
		rc.Close()
	}
	for _, x := range idx.Manifests {
		if x.Digest != top.Digest {
			continue
		}
		if n := x.Annotations[annotationContainerName]; n != "" {
			img.Tags = append(img.Tags, n)
		} else if n := x.Annotations[annotationRefName]; n != "" {
			img.Tags = append(img.Tags, n)
		}
	}
	return img, nil
}

// selectRef narrows index.json's descriptors to those ref names.
func selectRef(descs []v1.Descriptor, ref string) ([]v1.Descriptor, error) {
	if ref == "" {
		return descs, nil
	}
	if n, ok := strings.CutPrefix(ref, "@"); ok {
		i, err := strconv.Atoi(n)
		if err != nil || i < 0 || i >= len(descs) {
			return nil, fmt.Errorf("index.json lists %d manifests; @%s is not one of @0..@%d", len(descs), n, len(descs)-1)
		}
		return descs[i : i+1], nil
	}
	var out []v1.Descriptor
	var names []string
	for _, d := range descs {
		rn, cn := d.Annotations[annotationRefName], d.Annotations[annotationContainerName]
		if d.Digest.String() == ref || rn == ref || (cn != "" && sameImageName(cn, ref)) {
			out = append(out, d)
		}
		for _, n := range []string{cn, rn} {
			if n != "" {
				names = append(names, n)
				break
			}
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("index.json names no image %q (names: %s)", ref, strings.Join(names, ", "))
	}
	return out, nil
}
