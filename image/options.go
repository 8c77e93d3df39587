package image

import (
	"fmt"
	"os"
	"runtime"

	"github.com/google/go-containerregistry/pkg/authn"
	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// Defaults of the bounds in Options. They keep memory and work bounded on
// hostile input; each has an Options field to raise it.
const (
	// DefaultMaxManifestBytes bounds manifest.json, index.json and manifests
	// (the OCI distribution spec asks registries to accept at least 4 MiB).
	DefaultMaxManifestBytes = 4 << 20
	// DefaultMaxConfigBytes bounds an image config; long histories stay far below.
	DefaultMaxConfigBytes = 16 << 20
	// DefaultMaxExpansion is how many times its compressed size a layer may
	// grow when decompressed, once past DefaultExpansionFloor.
	DefaultMaxExpansion = 100
	// DefaultExpansionFloor is the uncompressed size any compressed layer may
	// reach whatever its ratio.
	DefaultExpansionFloor = 1 << 30
	// DefaultDockerHost is the Docker Engine API socket used when neither
	// Options.DockerHost nor $DOCKER_HOST names one.
	DefaultDockerHost = "unix:///var/run/docker.sock"

	// zstdMaxWindow bounds the memory one zstd decoder may use for its window:
	// zstd's standard levels use at most 8 MiB, --ultra levels 128 MiB.
	zstdMaxWindow = 128 << 20
)

// Options tune Open. The zero value means every default.
type Options struct {
	// Platform picks one image from a multi-platform index, as
	// os/arch[/variant]. Default: the host's (runtime.GOOS/runtime.GOARCH).
	// An index holding a single image yields it whatever its platform unless
	// Platform is set.
	Platform string

	// Insecure allows plain http to a registry (for registries on localhost).
	// Default false: https, except where go-containerregistry already
	// assumes http (localhost, loopback and private addresses).
	Insecure bool

	// Keychain finds registry credentials. Default authn.DefaultKeychain,
	// which reads ~/.docker/config.json ($DOCKER_CONFIG) and credential helpers.
	Keychain authn.Keychain

	// DockerHost is the Docker Engine API endpoint for docker-daemon:
	// unix:///path or tcp://host:port. Default $DOCKER_HOST, else
	// DefaultDockerHost. A podman system service socket works too.
	DockerHost string

	// MaxManifestBytes bounds every manifest, index and manifest.json read.
	// Default DefaultMaxManifestBytes.
	MaxManifestBytes int64

	// MaxConfigBytes bounds the image config. Default DefaultMaxConfigBytes.
	MaxConfigBytes int64

	// MaxExpansion and ExpansionFloor bound decompression (gzip bombs): a
	// compressed layer may yield at most max(ExpansionFloor, MaxExpansion ×
	// its compressed size) bytes, else its stream fails with an error wrapping
	// ErrLayerTooLarge. Defaults DefaultMaxExpansion and DefaultExpansionFloor;
	// a negative MaxExpansion removes the bound.
	MaxExpansion   int64
	ExpansionFloor int64
}

// resolved is Options with every default filled in and the platform parsed.
type resolved struct {
	Options
	platform         v1.Platform
	platformExplicit bool
}

func (o Options) resolve() (resolved, error) {
	r := resolved{Options: o}
	if o.Platform != "" {
		p, err := v1.ParsePlatform(o.Platform)
		if err != nil || p.OS == "" || p.Architecture == "" {
			return r, fmt.Errorf("parsing platform %q: want os/arch[/variant]", o.Platform)
		}
		r.platform = *p
		r.platformExplicit = true
	} else {
		r.platform = v1.Platform{OS: runtime.GOOS, Architecture: runtime.GOARCH}
	}
	if r.Keychain == nil {
		r.Keychain = authn.DefaultKeychain
	}
	if r.DockerHost == "" {
		r.DockerHost = os.Getenv("DOCKER_HOST")
	}
	if r.DockerHost == "" {
		r.DockerHost = DefaultDockerHost
	}
	if r.MaxManifestBytes <= 0 {
		r.MaxManifestBytes = DefaultMaxManifestBytes
	}
	if r.MaxConfigBytes <= 0 {
		r.MaxConfigBytes = DefaultMaxConfigBytes
	}
	if r.MaxExpansion == 0 {
		r.MaxExpansion = DefaultMaxExpansion
	}
	if r.ExpansionFloor <= 0 {
		r.ExpansionFloor = DefaultExpansionFloor
	}
	return r, nil
}

// expansionBound is the most bytes a compressed blob of the given size may
// decompress to; 0 means unbounded.
func (r resolved) expansionBound(compressed int64) int64 {
	if r.MaxExpansion < 0 {
		return 0
	}
	b := r.ExpansionFloor
	if compressed > 0 && compressed <= (1<<62)/r.MaxExpansion && compressed*r.MaxExpansion > b {
		b = compressed * r.MaxExpansion
	}
	return b
}
