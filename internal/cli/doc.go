// Package cli holds the cobra commands of the shipshape binary, one file per
// command: flags in, library calls, report out, exit code back.
package cli
