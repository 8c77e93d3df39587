package rules

import (
	"strings"

	"github.com/shipshape-dev/shipshape/lint"
)

// PinBaseImageTag: P01.
var PinBaseImageTag = &lint.Rule{
	Code:  "DF101",
	Name:  "pin-base-image-tag",
	Title: "Name a version tag or digest in FROM",
	Rationale: "A FROM without a tag pulls `latest`, and `latest` moves whenever the publisher pushes: the same " +
		"Dockerfile then builds on a different distribution or runtime version from one day to the next, and a " +
		"rebuild to patch one thing silently upgrades everything. A version tag makes the base explicit and " +
		"reviewable; a digest makes it exact. ARG defaults are substituted; a FROM that depends on a build " +
		"argument without default is left alone.",
	Severity: lint.Warning,
	Aliases:  []string{"DL3006", "DL3007"},
	Practice: []string{"P01"},
	Bad:      "FROM python\nCOPY app.py /app/\nCMD [\"python\", \"/app/app.py\"]\n",
	Good:     "FROM python:3.12-slim\nCOPY app.py /app/\nCMD [\"python\", \"/app/app.py\"]\n",
	Check: func(p *lint.Pass) {
		for _, s := range p.File.Stages {
			img, ok := stageImage(p.File, s)
			if !ok || img.Image.Digest != "" {
				continue
			}
			name := img.Image.WithoutTag()
			switch tag := img.Image.Tag; {
			case tag == "":
				reportFromImage(p, s, describeFrom(img)+" has no tag, so each build pulls whatever `"+name+
					":latest` is that day; pin a tag, e.g. `"+exampleTag(img.Image)+"`, or a digest (`"+name+"@sha256:…`)")
			case strings.EqualFold(tag, "latest"):
				reportFromImage(p, s, describeFrom(img)+" follows every new release, so the same Dockerfile builds on a "+
					"different base from one week to the next; pin a version tag, e.g. `"+exampleTag(img.Image)+
					"`, or a digest (`"+name+"@sha256:…`)")
			}
		}
	},
}

// exampleTags are current, commonly used tags of well-known images, for messages.
var exampleTags = map[string]string{
	"alpine": "3.20", "debian": "12-slim", "ubuntu": "24.04", "busybox": "1.36",
	"python": "3.12-slim", "node": "22-slim", "golang": "1.23", "rust": "1.81-slim",
	"ruby": "3.3-slim", "php": "8.3-fpm", "openjdk": "21-jdk-slim", "eclipse-temurin": "21-jre",
	"maven": "3.9-eclipse-temurin-21", "gradle": "8.10-jdk21", "nginx": "1.27", "httpd": "2.4",
	"redis": "7.4", "postgres": "16", "mysql": "8.4", "mariadb": "11.4", "mongo": "7.0",
	"fedora": "40", "amazonlinux": "2023", "rockylinux": "9", "almalinux": "9",
	"centos": "stream9", "archlinux": "base", "bash": "5.2", "docker": "27-cli",
}

// exampleTag suggests a pinned form of an image: a known tag, or `<version>`.
func exampleTag(r imageRef) string {
	tag := "<version>"
	if r.Registry == "" || r.Host() == "docker.io" {
		repo := strings.TrimPrefix(r.Repo, "library/")
		if t, ok := exampleTags[repo]; ok {
			tag = t
		}
	}
	return r.WithoutTag() + ":" + tag
}
