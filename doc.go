// Package shipshape is the root of the shipshape module: a Dockerfile linter and
// image toolkit. The library lives in its sub-packages (dockerfile, shell, lint,
// rules, report); the binary in cmd/shipshape.
package shipshape
