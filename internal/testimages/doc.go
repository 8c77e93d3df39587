// Package testimages builds small real images with buildah for tests, exports
// them in every format the image package reads, and runs the registry and
// daemon those tests talk to.
package testimages
