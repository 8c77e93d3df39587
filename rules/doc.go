// Package rules holds the concrete Dockerfile rules, one file per rule with its
// metadata and check; its test cases sit beside it in a txtar file of the same name.
package rules
