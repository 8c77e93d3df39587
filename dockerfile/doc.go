// Package dockerfile parses a Dockerfile with BuildKit's parser into a typed model
// whose every instruction, flag and argument keeps its exact source position.
package dockerfile
