// Package lint is the rule engine: rule metadata, findings, fixes, severities,
// configuration and ignore comments. It runs rules over a Dockerfile and knows no
// concrete rule.
package lint
