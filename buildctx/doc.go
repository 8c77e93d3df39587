// Package buildctx walks a Docker build context with Docker's own .dockerignore semantics and measures what is sent.
package buildctx
