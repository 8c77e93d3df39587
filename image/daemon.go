package image

import (
	"archive/tar"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
)

// daemon talks to the Docker Engine API with plain HTTP: two endpoints are
// all it needs, and podman's compatible service answers them the same way.
type daemon struct {
	host   string // as configured, for errors
	base   string // URL prefix
	client *http.Client
}

func newDaemon(host string) (*daemon, error) {
	u, err := url.Parse(host)
	if err != nil {
		return nil, fmt.Errorf("parsing docker host %q: %w", host, err)
	}
	d := &daemon{host: host}
	switch u.Scheme {
	case "unix":
		sock := u.Path
		if sock == "" {
			sock = u.Host
		}
		d.base = "http://docker"
		d.client = &http.Client{Transport: &http.Transport{
			DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
				var dialer net.Dialer
				return dialer.DialContext(ctx, "unix", sock)
			},
		}}
	case "tcp", "http":
		d.base = "http://" + u.Host
		d.client = &http.Client{Transport: http.DefaultTransport.(*http.Transport).Clone()}
	default:
		return nil, fmt.Errorf("docker host %q: only unix:// and tcp:// (without TLS) are supported", host)
	}
	return d, nil
}

// get requests an image endpoint; names keep their slashes, as the API
// routes /images/{name:.*}/….
func (d *daemon) get(ctx context.Context, image, what string) (*http.Response, error) {
	u := d.base + (&url.URL{Path: "/images/" + image + "/" + what}).EscapedPath()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	resp, err := d.client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("reaching the daemon at %s: %w", d.host, err)
	}
	if resp.StatusCode == http.StatusOK {
		return resp, nil
	}
	defer resp.Body.Close()
	var msg struct{ Message string }
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	if json.Unmarshal(body, &msg) != nil || msg.Message == "" {
		msg.Message = strings.TrimSpace(string(body))
	}
	if resp.StatusCode == http.StatusNotFound {
		return nil, fmt.Errorf("no such image in the daemon at %s: %s", d.host, msg.Message)
	}
	return nil, fmt.Errorf("daemon at %s answers %s for %s: %s", d.host, resp.Status, what, msg.Message)
}

// daemonExport is a daemon's docker save stream seen as an archive: the
// first pass keeps the names and sizes of every member and the bytes of the
// small JSON ones; bodies are read by asking for the export again.
type daemonExport struct {
	*tarIndex
	d     *daemon
	image string
	kept  map[string][]byte
}

var _ archive = (*daemonExport)(nil)

func openDaemon(ctx context.Context, rest string, opts resolved) (*Image, error) {
	d, err := newDaemon(opts.DockerHost)
	if err != nil {
		return nil, err
	}
	// Inspecting first turns a missing image into a clear error before any
	// export starts.
	resp, err := d.get(ctx, rest, "json")
	if err != nil {
		return nil, err
	}
	resp.Body.Close()
	exp, err := scanExport(ctx, d, rest, opts)
	if err != nil {
		return nil, err
	}
	img, specs, err := openDockerArchive(ctx, exp, "", opts)
	if err != nil {
		return nil, fmt.Errorf("reading the export: %w", err)
	}
	img.each = func(ctx context.Context, fn func(*Layer, io.Reader) error) error {
		return exp.each(ctx, img.Layers, specs, opts, fn)
	}
	return img, nil
}

// scanExport makes the first pass over an export, discarding layer bodies.
func scanExport(ctx context.Context, d *daemon, image string, opts resolved) (*daemonExport, error) {
	resp, err := d.get(ctx, image, "get")
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	exp := &daemonExport{tarIndex: &tarIndex{entries: map[string]*tarEntry{}}, d: d, image: image, kept: map[string][]byte{}}
	budget := opts.MaxManifestBytes + 2*opts.MaxConfigBytes
	tr := tar.NewReader(resp.Body)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("reading the export: %w", err)
		}
		if len(exp.order) >= maxArchiveEntries {
			return nil, fmt.Errorf("export has more than %d entries", maxArchiveEntries)
		}
		e := &tarEntry{name: cleanName(h.Name), typeflag: h.Typeflag, link: h.Linkname}
		if h.Typeflag == tar.TypeReg || h.Typeflag == tar.TypeRegA {
			e.typeflag, e.size = tar.TypeReg, h.Size
			if b, ok, err := keepJSON(tr, h.Size, min(budget, max(opts.MaxManifestBytes, opts.MaxConfigBytes))); err != nil {
				return nil, fmt.Errorf("reading %q from the export: %w", h.Name, err)
			} else if ok {
				exp.kept[e.name] = b
				budget -= int64(len(b))
			}
		}
		exp.entries[e.name] = e
		exp.order = append(exp.order, e)
	}
	return exp, nil
}

// keepJSON reads a member whole when it is small and starts like JSON;
// anything else (a layer) is left for the tar reader to skip.
func keepJSON(r io.Reader, size, limit int64) ([]byte, bool, error) {
	if size > limit || size == 0 {
		return nil, false, nil
	}
	first := make([]byte, 1)
	if _, err := io.ReadFull(r, first); err != nil {
		return nil, false, err
	}
	if first[0] != '{' && first[0] != '[' {
		return nil, false, nil
	}
	b := make([]byte, size)
	b[0] = first[0]
	if _, err := io.ReadFull(r, b[1:]); err != nil {
		return nil, false, err
	}
	return b, true, nil
}

func (x *daemonExport) readSmall(name string, limit int64) ([]byte, error) {
	e, err := x.lookup(name)
	if err != nil {
		return nil, err
	}
	if e.size > limit {
		return nil, fmt.Errorf("%q is %d bytes, more than the %d allowed", name, e.size, limit)
	}
	b, ok := x.kept[e.name]
	if !ok {
		return nil, fmt.Errorf("%q is not JSON or passed the memory budget for metadata", name)
	}
	return b, nil
}

func (x *daemonExport) peek(*tarEntry) []byte { return nil }

// openEntry streams one member by exporting the image again: the cost of
// random access to a daemon. EachLayer reads them all in one export.
func (x *daemonExport) openEntry(ctx context.Context, e *tarEntry) (io.ReadCloser, error) {
	resp, err := x.d.get(ctx, x.image, "get")
	if err != nil {
		return nil, err
	}
	tr := tar.NewReader(resp.Body)
	for {
		h, err := tr.Next()
		if err != nil {
			resp.Body.Close()
			if err == io.EOF {
				return nil, fmt.Errorf("%q: %w in the second export", e.name, errNotInArchive)
			}
			return nil, fmt.Errorf("reading the export: %w", err)
		}
		if cleanName(h.Name) == e.name && (h.Typeflag == tar.TypeReg || h.Typeflag == tar.TypeRegA) {
			return struct {
				io.Reader
				io.Closer
			}{tr, resp.Body}, nil
		}
	}
}

// each streams the layers in one export, in archive order. A layer listed
// twice (docker save stores the blob once) is read again on its own.
func (x *daemonExport) each(ctx context.Context, layers []*Layer, specs []archiveLayer, opts resolved, fn func(*Layer, io.Reader) error) error {
	byEntry := map[string][]int{}
	for i, s := range specs {
		byEntry[s.entry.name] = append(byEntry[s.entry.name], i)
	}
	done := make([]bool, len(layers))
	resp, err := x.d.get(ctx, x.image, "get")
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	tr := tar.NewReader(resp.Body)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return fmt.Errorf("reading the export: %w", err)
		}
		idx := byEntry[cleanName(h.Name)]
		if len(idx) == 0 || (h.Typeflag != tar.TypeReg && h.Typeflag != tar.TypeRegA) {
			continue
		}
		l := layers[idx[0]]
		rc, err := verifyLayer(ctx, l, io.NopCloser(tr), specs[idx[0]].want, opts)
		if err != nil {
			return err
		}
		if err := feed(l, rc, fn); err != nil {
			return err
		}
		done[idx[0]] = true
	}
	for i, l := range layers {
		if done[i] {
			continue
		}
		rc, err := l.Open(ctx)
		if err != nil {
			return err
		}
		if err := feed(l, rc, fn); err != nil {
			return err
		}
	}
	return nil
}
