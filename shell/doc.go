// Package shell reads the shell code of RUN instructions with mvdan.cc/sh and
// answers questions about it: which commands run, with which flags and arguments,
// joined how, and what package managers install.
package shell
