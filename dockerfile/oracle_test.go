package dockerfile

// The test oracle: BuildKit's dockerfile2llb.DockerfileLint, what
// `docker build --check` runs, with a stub image resolver instead of a registry.
//
// BuildKit rejects a Dockerfile at two stages: while parsing (the parser and the
// instruction parser, which Parse wraps) and while converting the stages to LLB
// (stage references, EXPOSE ranges, mount options, image names, …). Parse must
// agree with BuildKit exactly on the first stage, and must never reject what
// BuildKit accepts. Rejections of the second stage Parse does not repeat: the
// rules report the common ones (DF410 expose-valid, for one) with better
// messages; TestBuildTimeGaps lists them so the gap stays known and measured.
//
// dockerfile2llb pulls grpc, containerd and OpenTelemetry in (+14 MB): it may
// appear in _test.go files only, which TestOracleStaysOutOfTheBinary checks.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/moby/buildkit/client/llb"
	"github.com/moby/buildkit/client/llb/sourceresolver"
	"github.com/moby/buildkit/frontend/dockerfile/dockerfile2llb"
	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/moby/buildkit/frontend/dockerfile/linter"
	"github.com/moby/buildkit/frontend/dockerfile/parser"
	"github.com/moby/buildkit/solver/pb"
	digest "github.com/opencontainers/go-digest"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"
)

// BuildKit scans the host key of a Git repository given over SSH (ADD
// git@host:repo.git) by dialing the host; keep the tests off the network.
func init() {
	net.DefaultResolver = &net.Resolver{PreferGo: true, Dial: func(context.Context, string, string) (net.Conn, error) {
		return nil, errors.New("the BuildKit oracle does not resolve host names")
	}}
}

// stubResolver answers every image reference with a minimal configuration for
// the platform asked: one layer, PATH, nothing else.
type stubResolver struct{}

func (stubResolver) ResolveImageConfig(_ context.Context, ref string, opt sourceresolver.Opt) (string, digest.Digest, []byte, error) {
	p := ocispecs.Platform{OS: "linux", Architecture: "amd64"}
	if opt.ImageOpt != nil && opt.ImageOpt.Platform != nil {
		p = *opt.ImageOpt.Platform
	}
	config := map[string]any{
		"architecture": p.Architecture,
		"os":           p.OS,
		"variant":      p.Variant,
		"rootfs":       map[string]any{"type": "layers", "diff_ids": []string{"sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"}},
		"config":       map[string]any{},
	}
	if p.OS != "windows" {
		config["config"] = map[string]any{"Env": []string{"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"}}
	}
	dt, err := json.Marshal(config)
	return ref, "", dt, err
}

// buildkitAccepts runs `docker build --check`'s code on src: ok when BuildKit
// accepts the file (lint warnings are not errors, unless `# check=error=true`
// makes them so), otherwise BuildKit's message and the line it points at (0
// when it gives none).
func buildkitAccepts(t testing.TB, src []byte) (ok bool, line int, msg string) {
	t.Helper()
	// BuildKit's variable lexer (text/scanner) prints NUL bytes and invalid
	// UTF-8 to stderr; keep fuzzing output readable.
	if devnull, err := os.Open(os.DevNull); err == nil {
		stderr := os.Stderr
		os.Stderr = devnull
		defer func() { os.Stderr = stderr; devnull.Close() }()
	}
	sm := llb.NewSourceMap(nil, "Dockerfile", "Dockerfile", src)
	sm.Definition = &llb.Definition{}
	caps := pb.Caps.CapSet(pb.Caps.All()) // a current BuildKit, as `docker build` talks to
	opt := dockerfile2llb.ConvertOpt{MetaResolver: stubResolver{}, SourceMap: sm, LLBCaps: &caps}
	opt.BuildPlatforms = []ocispecs.Platform{{OS: "linux", Architecture: "amd64"}}
	res, err := dockerfile2llb.DockerfileLint(context.Background(), src, opt)
	if err != nil {
		return false, 0, err.Error()
	}
	if res.Error == nil {
		return true, 0, ""
	}
	if r := res.Error.Location.Ranges; len(r) > 0 {
		line = int(r[0].Start.Line)
	}
	return false, line, res.Error.Message
}

type oracleCase struct {
	name string
	src  string
}

var oracleCases = []oracleCase{
	// Parser directives.
	{"syntax directive", "# syntax=docker/dockerfile:1\nFROM alpine\n"},
	{"escape backtick", "# escape=`\nFROM alpine\nRUN echo a `\n  b\n"},
	{"escape backslash explicit", "# escape=\\\nFROM alpine\n"},
	{"escape invalid", "# escape=x\nFROM alpine\n"},
	{"check directive", "# check=skip=JSONArgsRecommended;error=true\nFROM alpine\nCMD echo hi\n"},
	{"check directive invalid", "# check=error=maybe\nFROM alpine\n"},
	{"check error=true with warning", "# check=error=true\nFROM alpine\nCMD echo hi\n"},
	{"duplicate directive", "# escape=`\n# escape=`\nFROM alpine\n"},
	{"directive after comment", "# hello\n# escape=`\nFROM alpine\nRUN a `\n"},
	// Continuations, comments, blank lines.
	{"continuation with comment and blank", "FROM alpine\nRUN apk add \\\n  # comment\n\n  curl\n"},
	{"continuation at EOF", "FROM alpine\nRUN echo \\\n"},
	{"escaped backslash at line end", "FROM alpine\nRUN echo a\\\\\nRUN echo b\n"},
	{"only continuation", "FROM alpine\nRUN \\\n"},
	{"continuation then comment at EOF", "FROM alpine\nRUN echo \\\n# c\n"},
	// Heredocs.
	{"run heredoc", "FROM alpine\nRUN <<EOF\necho hi\nEOF\n"},
	{"run heredoc chomp tabs", "FROM alpine\nRUN <<-EOF\n\techo hi\n\tEOF\n"},
	{"copy heredoc", "FROM alpine\nCOPY <<EOF /etc/x\nhello\nEOF\n"},
	{"multiple heredocs", "FROM alpine\nRUN <<A cat && <<B cat\na\nA\nb\nB\n"},
	{"python heredoc", "FROM python:3\nRUN python3 <<EOF\nprint('hi')\nEOF\n"},
	{"quoted heredoc", "FROM alpine\nRUN <<'EOF'\necho $HOME\nEOF\n"},
	{"unterminated heredoc", "FROM alpine\nRUN <<EOF\necho hi\n"},
	{"heredoc shebang", "FROM alpine\nRUN <<EOF\n#!/bin/sh\necho hi\nEOF\n"},
	{"heredoc in CMD is literal", "FROM alpine\nCMD <<EOF\n"},
	// JSON and shell forms.
	{"exec form", "FROM alpine\nCMD [\"echo\", \"hi\"]\nENTRYPOINT [\"/bin/sh\", \"-c\"]\n"},
	{"malformed json is shell form", "FROM alpine\nCMD [\"echo\", \"hi\"\n"},
	{"json with single quotes", "FROM alpine\nRUN ['echo', 'hi']\n"},
	{"shell json", "FROM alpine\nSHELL [\"/bin/bash\", \"-c\"]\n"},
	{"shell not json", "FROM alpine\nSHELL /bin/bash -c\n"},
	{"empty json", "FROM alpine\nCMD []\n"},
	// ONBUILD.
	{"onbuild run", "FROM alpine\nONBUILD RUN echo hi\n"},
	{"onbuild from", "FROM alpine\nONBUILD FROM alpine\n"},
	{"onbuild onbuild", "FROM alpine\nONBUILD ONBUILD RUN x\n"},
	{"onbuild maintainer", "FROM alpine\nONBUILD MAINTAINER me\n"},
	{"onbuild empty", "FROM alpine\nONBUILD\n"},
	{"onbuild copy from later stage", "FROM alpine AS a\nONBUILD COPY --from=b /x /y\nFROM a\nFROM alpine AS b\n"},
	{"onbuild triggered", "FROM alpine AS a\nONBUILD RUN echo hi\nFROM a\n"},
	// RUN flags.
	{"mount cache", "FROM alpine\nRUN --mount=type=cache,target=/var/cache/apk apk add curl\n"},
	{"mount bind", "FROM alpine\nRUN --mount=type=bind,source=.,target=/src ls /src\n"},
	{"mount bind from stage", "FROM alpine AS b\nFROM alpine\nRUN --mount=from=b,target=/b ls\n"},
	{"mount from later stage", "FROM alpine\nRUN --mount=from=b,target=/b ls\nFROM alpine AS b\n"},
	{"mount tmpfs", "FROM alpine\nRUN --mount=type=tmpfs,target=/tmp,size=100m ls\n"},
	{"mount secret", "FROM alpine\nRUN --mount=type=secret,id=tok cat /run/secrets/tok\n"},
	{"mount secret env", "FROM alpine\nRUN --mount=type=secret,id=tok,env=TOK echo\n"},
	{"mount ssh", "FROM alpine\nRUN --mount=type=ssh ssh -T git@github.com\n"},
	{"mount ssh source", "FROM alpine\nRUN --mount=type=ssh,source=x ls\n"},
	{"mount unknown type", "FROM alpine\nRUN --mount=type=foo,target=/x ls\n"},
	{"mount unknown key", "FROM alpine\nRUN --mount=type=cache,target=/x,colour=red ls\n"},
	{"mount no target", "FROM alpine\nRUN --mount=type=cache ls\n"},
	{"mount sharing", "FROM alpine\nRUN --mount=type=cache,target=/x,sharing=locked ls\n"},
	{"mount bad sharing", "FROM alpine\nRUN --mount=type=cache,target=/x,sharing=maybe ls\n"},
	{"mount ro rw", "FROM alpine\nRUN --mount=type=cache,target=/x,ro,rw=false ls\n"},
	{"mount uid", "FROM alpine\nRUN --mount=type=cache,target=/x,uid=abc ls\n"},
	{"mount mode", "FROM alpine\nRUN --mount=type=cache,target=/x,mode=0999 ls\n"},
	{"mount target with variable", "FROM alpine\nENV D=/cache\nRUN --mount=type=cache,target=$D ls\n"},
	{"network none", "FROM alpine\nRUN --network=none ls\n"},
	{"network host", "FROM alpine\nRUN --network=host ls\n"},
	{"network bad", "FROM alpine\nRUN --network=bridge ls\n"},
	{"security insecure", "FROM alpine\nRUN --security=insecure ls\n"},
	{"security sandbox", "FROM alpine\nRUN --security=sandbox ls\n"},
	{"security bad", "FROM alpine\nRUN --security=root ls\n"},
	{"device flag", "FROM alpine\nRUN --device=nvidia.com/gpu=all ls\n"},
	{"unknown run flag", "FROM alpine\nRUN --foo=bar ls\n"},
	{"run flag without value", "FROM alpine\nRUN --network ls\n"},
	{"run only flags", "FROM alpine\nRUN --network=none\n"},
	{"run empty", "FROM alpine\nRUN\n"},
	// COPY / ADD flags.
	{"copy chmod", "FROM alpine\nCOPY --chmod=755 a /b\n"},
	{"copy chmod symbolic", "FROM alpine\nCOPY --chmod=u+x a /b\n"},
	{"copy chmod bad", "FROM alpine\nCOPY --chmod=999 a /b\n"},
	{"copy chown", "FROM alpine\nCOPY --chown=app:app a /b\n"},
	{"copy chown link names", "FROM alpine\nCOPY --link --chown=app:app a /b\n"},
	{"copy chown link numeric", "FROM alpine\nCOPY --link --chown=1000:1000 a /b\n"},
	{"copy link", "FROM alpine\nCOPY --link a /b\n"},
	{"copy link false", "FROM alpine\nCOPY --link=false a /b\n"},
	{"copy link bad bool", "FROM alpine\nCOPY --link=maybe a /b\n"},
	{"copy parents", "FROM alpine\nCOPY --parents a/b/c /d/\n"},
	{"copy exclude", "FROM alpine\nCOPY --exclude=*.txt . /d/\n"},
	{"copy exclude bad pattern", "FROM alpine\nCOPY --exclude=[ . /d/\n"},
	{"copy from stage", "FROM alpine AS b\nFROM alpine\nCOPY --from=b /x /y\n"},
	{"copy from index", "FROM alpine\nFROM alpine\nCOPY --from=0 /x /y\n"},
	{"copy from bad index", "FROM alpine\nCOPY --from=5 /x /y\n"},
	{"copy from self index", "FROM alpine\nCOPY --from=0 /x /y\n"},
	{"copy from later stage", "FROM alpine\nCOPY --from=b /x /y\nFROM alpine AS b\n"},
	{"copy from image", "FROM alpine\nCOPY --from=nginx:latest /x /y\n"},
	{"copy from variable", "FROM alpine\nARG S=b\nCOPY --from=$S /x /y\n"},
	{"copy from bad image", "FROM alpine\nCOPY --from=Bad:Image /x /y\n"},
	{"copy checksum", "FROM alpine\nCOPY --checksum=sha256:abc a /b\n"},
	{"copy url", "FROM alpine\nCOPY https://example.com/x /b\n"},
	{"copy one arg", "FROM alpine\nCOPY a\n"},
	{"copy json", "FROM alpine\nCOPY [\"a\", \"/b\"]\n"},
	{"add checksum http", "FROM alpine\nADD --checksum=sha256:24454f830cdb571e2c4ad15481119c43b3cafd48dd869a9b2945d1036d1dc68d https://example.com/x /b\n"},
	{"add checksum local", "FROM alpine\nADD --checksum=sha256:24454f830cdb571e2c4ad15481119c43b3cafd48dd869a9b2945d1036d1dc68d x /b\n"},
	{"add checksum bad digest", "FROM alpine\nADD --checksum=nope https://example.com/x /b\n"},
	{"add keep-git-dir", "FROM alpine\nADD --keep-git-dir=true https://github.com/moby/buildkit.git /src\n"},
	{"add keep-git-dir local", "FROM alpine\nADD --keep-git-dir=true src /src\n"},
	{"add unpack", "FROM alpine\nADD --unpack=true https://example.com/x.tar.gz /b\n"},
	{"add link chmod", "FROM alpine\nADD --link --chmod=644 a /b\n"},
	{"add parents", "FROM alpine\nADD --parents a /b\n"},
	{"unknown copy flag", "FROM alpine\nCOPY --foo a /b\n"},
	// FROM, stages and ARG substitution.
	{"arg in from", "ARG V=3.19\nFROM alpine:${V}\n"},
	{"arg in from unset", "ARG V\nFROM alpine${V}\n"},
	{"arg in from blank", "ARG V\nFROM ${V}\n"},
	{"arg default in from", "FROM ${IMG:-alpine}\n"},
	{"arg required in from", "FROM ${IMG:?no image}\n"},
	{"arg in from bad ref", "ARG V=Alpine\nFROM ${V}\n"},
	{"from uppercase", "FROM Alpine\n"},
	{"from digest", "FROM alpine@sha256:24454f830cdb571e2c4ad15481119c43b3cafd48dd869a9b2945d1036d1dc68d\n"},
	{"from bad digest", "FROM alpine@sha256:abc\n"},
	{"from scratch", "FROM scratch\nCOPY a /a\n"},
	{"from platform", "FROM --platform=linux/arm64 alpine\n"},
	{"from platform var", "FROM --platform=$BUILDPLATFORM alpine\n"},
	{"from platform bad", "FROM --platform=nope/nope/nope/nope alpine\n"},
	{"from platform empty", "ARG P\nFROM --platform=$P alpine\n"},
	{"from a as", "FROM a AS\n"},
	{"from a as b c", "FROM a AS b c\n"},
	{"from a b c", "FROM a b c\n"},
	{"from empty", "FROM\n"},
	{"from bad stage name", "FROM alpine AS 1abc\n"},
	{"from stage name uppercase", "FROM alpine AS Builder\nFROM Builder\n"},
	{"duplicate stage names", "FROM alpine AS a\nFROM alpine AS a\n"},
	{"duplicate stage names case", "FROM alpine AS a\nFROM alpine AS A\n"},
	{"from earlier stage", "FROM alpine AS a\nFROM a\nRUN ls\n"},
	{"from self", "FROM a AS a\n"},
	{"from later stage name", "FROM b\nFROM alpine AS b\n"},
	{"circular", "FROM alpine AS a\nCOPY --from=b /x /y\nFROM alpine AS b\nCOPY --from=a /x /y\n"},
	{"arg after from not in from", "FROM alpine\nARG V=1\nFROM alpine:${V}\n"},
	// Missing/misplaced FROM, empty input.
	{"missing from", "RUN echo hi\n"},
	{"instruction before from", "ENV A=1\nFROM alpine\n"},
	{"arg before from", "ARG A=1\nFROM alpine\n"},
	{"only arg", "ARG A=1\n"},
	{"empty file", ""},
	{"only newline", "\n"},
	{"only comments", "# a\n# b\n"},
	{"only directive", "# syntax=docker/dockerfile:1\n"},
	{"only whitespace", "   \n\t\n"},
	// Unknown instructions and flags.
	{"unknown instruction", "FROM alpine\nFOO bar\n"},
	{"unknown instruction typo", "FROM alpine\nRUNN ls\n"},
	{"lowercase instructions", "from alpine\nrun ls\n"},
	{"unknown flag on env", "FROM alpine\nENV --foo=bar A=1\n"},
	{"flag on workdir", "FROM alpine\nWORKDIR --x=1 /a\n"},
	// Instruction argument checks.
	{"expose ok", "FROM alpine\nEXPOSE 80 443/tcp 53/udp 8000-8010\n"},
	{"expose invalid", "FROM alpine\nEXPOSE abc\n"},
	{"expose bad proto", "FROM alpine\nEXPOSE 80/http\n"},
	{"expose out of range", "FROM alpine\nEXPOSE 70000\n"},
	{"expose with ip", "FROM alpine\nEXPOSE 127.0.0.1:80:80\n"},
	{"expose variable", "FROM alpine\nENV P=8080\nEXPOSE $P\n"},
	{"expose variable default", "FROM alpine\nEXPOSE ${P:-80}/tcp\n"},
	{"expose empty", "FROM alpine\nEXPOSE\n"},
	{"env no value", "FROM alpine\nENV A\n"},
	{"env legacy", "FROM alpine\nENV A b c\n"},
	{"env empty key", "FROM alpine\nENV =x\n"},
	{"label", "FROM alpine\nLABEL a=b \"c d\"=e\n"},
	{"label no value", "FROM alpine\nLABEL a\n"},
	{"arg multiple", "FROM alpine\nARG A=1 B\n"},
	{"arg empty", "FROM alpine\nARG\n"},
	{"workdir relative", "FROM alpine\nWORKDIR app\n"},
	{"workdir two args", "FROM alpine\nWORKDIR a b\n"},
	{"user", "FROM alpine\nUSER app:app\n"},
	{"user two args", "FROM alpine\nUSER a b\n"},
	{"volume", "FROM alpine\nVOLUME /a /b\n"},
	{"volume json", "FROM alpine\nVOLUME [\"/a\"]\n"},
	{"volume json empty string", "FROM alpine\nVOLUME [\"\"]\n"},
	{"stopsignal", "FROM alpine\nSTOPSIGNAL SIGTERM\n"},
	{"stopsignal number", "FROM alpine\nSTOPSIGNAL 9\n"},
	{"stopsignal bad", "FROM alpine\nSTOPSIGNAL SIGFOO\n"},
	{"healthcheck", "FROM alpine\nHEALTHCHECK --interval=30s --timeout=3s CMD curl -f http://localhost/\n"},
	{"healthcheck none", "FROM alpine\nHEALTHCHECK NONE\n"},
	{"healthcheck bad duration", "FROM alpine\nHEALTHCHECK --interval=abc CMD ls\n"},
	{"healthcheck short duration", "FROM alpine\nHEALTHCHECK --interval=1ms CMD ls\n"},
	{"healthcheck no cmd", "FROM alpine\nHEALTHCHECK ls\n"},
	{"healthcheck retries", "FROM alpine\nHEALTHCHECK --retries=0 CMD ls\n"},
	{"maintainer", "FROM alpine\nMAINTAINER me\n"},
	{"cmd twice", "FROM alpine\nCMD a\nCMD b\n"},
	{"env substitution bad", "FROM alpine\nENV A=${B\n"},
	{"env substitution required", "FROM alpine\nENV A=${B:?required}\n"},
	{"workdir substitution required", "FROM scratch\nWORKDIR ${B:?required}\n"},
	{"run substitution not expanded", "FROM alpine\nRUN echo ${B:?required}\n"},
	// Platforms and line endings.
	{"windows paths with escape", "# escape=`\nFROM mcr.microsoft.com/windows/servercore:ltsc2022\nCOPY testfile.txt c:\\\nRUN dir c:\\\n"},
	{"windows workdir", "# escape=`\nFROM mcr.microsoft.com/windows/servercore:ltsc2022\nWORKDIR C:\\app\n"},
	{"crlf", "FROM alpine\r\nRUN echo a \\\r\n  b\r\n"},
	{"crlf heredoc", "FROM alpine\r\nRUN <<EOF\r\necho hi\r\nEOF\r\n"},
	{"bom", "\xef\xbb\xbfFROM alpine\nRUN ls\n"},
	{"bom directive", "\xef\xbb\xbf# escape=`\nFROM alpine\nRUN a `\n b\n"},
	{"no trailing newline", "FROM alpine\nRUN ls"},
	{"nul byte", "FROM alpine\nRUN echo \x00\n"},
	{"invalid utf8", "FROM alpine\nRUN echo \xff\n"},
	{"leading whitespace", "   FROM alpine\n\t RUN ls\n"},
	{"tab separator", "FROM\talpine\nRUN\tls\n"},
	// Found by FuzzParseAgreesWithBuildKit.
	{"two bad refs", "FROM 000A0000\nFROM A"},
	{"continuation before instruction before FROM", "\\\nRUN"},
	// check=error=true: every BuildKit lint rule becomes an error.
	{"check error skip", "# check=error=true;skip=JSONArgsRecommended\nFROM alpine\nCMD echo hi\n"},
	{"check error undefined var", "# check=error=true\nFROM alpine\nENV A=$UNDEFINED\n"},
	{"check error duplicate stage", "# check=error=true\nFROM alpine AS a\nFROM alpine AS a\n"},
	{"check error casing", "# check=error=true\nfrom alpine\nRUN ls\n"},
	{"check error secret env", "# check=error=true\nFROM alpine\nENV DB_PASSWORD=x\n"},
	{"check error relative workdir", "# check=error=true\nFROM alpine\nWORKDIR app\n"},
	{"check error expose casing", "# check=error=true\nFROM alpine\nEXPOSE 80/TCP\n"},
	{"check error expose host port", "# check=error=true\nFROM alpine\nEXPOSE 8080:80\n"},
	{"check error const platform", "# check=error=true\nFROM --platform=linux/amd64 alpine\n"},
	{"check error const platform in name", "# check=error=true\nFROM --platform=linux/amd64 alpine AS build-amd64\n"},
	{"check error redundant platform", "# check=error=true\nFROM --platform=$TARGETPLATFORM alpine\n"},
	{"check error undefined arg in from", "# check=error=true\nFROM alpine:$TAG\n"},
	{"check error empty continuation", "# check=error=true\nFROM alpine\nRUN a \\\n\n b\n"},
	{"check error maintainer", "# check=error=true\nFROM alpine\nMAINTAINER x\n"},
	{"check error legacy env", "# check=error=true\nFROM alpine\nENV A b\n"},
	{"check error multiple cmd", "# check=error=true\nFROM alpine\nCMD [\"a\"]\nCMD [\"b\"]\n"},
	{"check error reserved stage name", "# check=error=true\nFROM alpine AS scratch\n"},
	{"check error invalid default arg", "# check=error=true\nARG V=Alpine:\nFROM ${V}\n"},
	{"check error stage name casing", "# check=error=true\nFROM alpine AS Build\n"},
	{"check error from as casing", "# check=error=true\nFROM alpine as build\n"},
	{"check error experimental", "# check=experimental=all;error=true\nFROM alpine\n# a comment\nARG X\n"},
	{"check error clean", "# check=error=true\nFROM alpine\nCMD [\"a\"]\n"},
	{"check comment skip", "# check=error=true\nFROM alpine\n# check=skip=JSONArgsRecommended\nCMD a\n"},
	// ONBUILD triggers run in the stages built FROM the stage.
	{"onbuild copy from variable", "FROM alpine AS a\nONBUILD COPY --from=$X /a /b\nFROM a\n"},
	{"onbuild mount from later stage", "FROM alpine AS a\nONBUILD RUN --mount=from=c,target=/x ls\nFROM a\nFROM alpine AS c\n"},
	{"onbuild copy from earlier stage", "FROM alpine AS b\nFROM alpine AS a\nONBUILD COPY --from=b /x /y\nFROM a\n"},
	{"onbuild bad expose", "FROM alpine AS a\nONBUILD EXPOSE abc\nFROM a\n"},
	{"onbuild unreachable stage", "FROM alpine AS a\nONBUILD EXPOSE abc\nFROM a\nFROM alpine\n"},
	{"onbuild heredoc", "FROM alpine AS a\nONBUILD RUN <<EOF\necho hi\nEOF\nFROM a\n"},
	// SOURCE_DATE_EPOCH.
	{"epoch number", "ARG SOURCE_DATE_EPOCH=1700000000\nFROM alpine\n"},
	{"epoch invalid", "ARG SOURCE_DATE_EPOCH=abc\nFROM alpine\n"},
	{"epoch context", "ARG SOURCE_DATE_EPOCH=context\nFROM alpine\n"},
	{"epoch stage", "ARG SOURCE_DATE_EPOCH=src\nFROM scratch AS src\nADD https://example.com/x /\nFROM alpine\n"},
	{"epoch stage not scratch", "ARG SOURCE_DATE_EPOCH=src\nFROM alpine AS src\nFROM alpine\n"},
	{"epoch stage with run", "ARG SOURCE_DATE_EPOCH=src\nFROM scratch AS src\nRUN x\nFROM alpine\n"},
	// Windows targets.
	{"windows other drive workdir", "FROM --platform=windows/amd64 mcr.microsoft.com/windows/nanoserver\nWORKDIR D:\\app\n"},
	{"windows other drive copy", "FROM --platform=windows/amd64 mcr.microsoft.com/windows/nanoserver\nCOPY a D:\\b\n"},
	{"windows secret without target", "FROM --platform=windows/amd64 mcr.microsoft.com/windows/nanoserver\nRUN --mount=type=secret,id=a dir\n"},
	{"windows heredoc UNC", "FROM --platform=windows/amd64 mcr.microsoft.com/windows/nanoserver\nCOPY <<//x/y C:/a\nhi\n//x/y\n"},
	// Git and URL sources.
	{"add git", "FROM alpine\nADD https://github.com/moby/buildkit.git#v0.1 /src\n"},
	{"copy git", "FROM alpine\nCOPY https://github.com/moby/buildkit.git /src\n"},
	{"add git scp", "FROM alpine\nADD git@github.com:moby/buildkit.git /src\n"},
	{"add git conflicting refs", "FROM alpine\nADD git@github.com:moby/buildkit.git?ref=x&tag=y /src\n"},
	{"add git bad query", "FROM alpine\nADD https://github.com/moby/buildkit.git?colour=red /src\n"},
	{"add git keep-git-dir conflict", "FROM alpine\nADD --keep-git-dir=false https://github.com/moby/buildkit.git?keep-git-dir=true /src\n"},
	{"add git checksum mismatch", "FROM alpine\nADD --checksum=abc https://github.com/moby/buildkit.git?checksum=def /s\n"},
	{"add unknown protocol", "FROM alpine\nADD ftp://example.com/x /s\n"},
	{"add github shorthand", "FROM alpine\nADD github.com/moby/buildkit /s\n"},
	{"copy checksum", "FROM alpine\nCOPY --checksum=sha256:abc a /b\n"},
	// COPY --chmod.
	{"copy chmod symbolic bad", "FROM alpine\nCOPY --chmod=u+z a /b\n"},
	{"copy chmod max", "FROM alpine\nCOPY --chmod=07777 a /b\n"},
	{"copy chmod too big", "FROM alpine\nCOPY --chmod=10000 a /b\n"},
	{"copy chmod from env", "FROM alpine\nENV M=644\nCOPY --chmod=$M a /b\n"},
	// EXPOSE port specs.
	{"expose reversed range", "FROM alpine\nEXPOSE 8000-7000\n"},
	{"expose ip and ranges", "FROM alpine\nEXPOSE 1.2.3.4:80:80-81\n"},
	{"expose ipv6", "FROM alpine\nEXPOSE [::1]:80:80\n"},
	{"expose bad ip", "FROM alpine\nEXPOSE 1.2.3:80:80\n"},
	{"expose host range mismatch", "FROM alpine\nEXPOSE 80-82:80-81\n"},
	{"expose quoted", "FROM alpine\nEXPOSE \"80\" '443'\n"},
	{"expose bad substitution", "FROM alpine\nEXPOSE ${P\n"},
	// Variables.
	{"stopsignal from env", "FROM alpine\nENV SIG=SIGKILL\nSTOPSIGNAL $SIG\n"},
	{"volume from empty env", "FROM alpine\nENV E=\nVOLUME [\"$E\"]\n"},
	{"arg default error", "FROM alpine\nARG A=${B:?x}\n"},
	{"meta arg default error", "ARG A=${B:?x}\nFROM alpine\n"},
	{"meta arg from global", "ARG A=1\nFROM alpine\nARG A\nENV B=${A:?}\n"},
	{"build platform arg", "FROM alpine\nARG TARGETARCH\nENV B=${TARGETARCH:?}\n"},
	{"env from arg then env", "FROM scratch AS a\nENV X=2\nARG X=1\nFROM a\nWORKDIR /${X:?}\n"},
	{"copy heredoc expansion error", "FROM alpine\nCOPY <<EOF /x\n${A:?nope}\nEOF\n"},
	{"copy quoted heredoc", "FROM alpine\nCOPY <<'EOF' /x\n${A:?nope}\nEOF\n"},
	{"run heredoc exec form", "FROM alpine\nRUN [\"cat\"] <<EOF\nx\nEOF\n"},
	// Mounts.
	{"mount relative target", "FROM alpine\nRUN --mount=type=cache,target=. ls\n"},
	{"mount relative target under workdir", "FROM alpine\nWORKDIR /app\nRUN --mount=type=cache,target=. ls\n"},
	{"mount relative target scratch", "FROM scratch\nRUN --mount=type=tmpfs,target=. ls\n"},
	{"mount from self", "FROM alpine AS a\nRUN --mount=from=a,target=/x ls\n"},
	{"mount from image", "FROM alpine\nRUN --mount=from=busybox,target=/x ls\n"},
	{"mount from bad image", "FROM alpine\nRUN --mount=from=Busybox,target=/x ls\n"},
	{"mount from variable", "FROM alpine\nRUN --mount=from=$X,target=/x ls\n"},
	{"mount target slash slash", "FROM alpine\nRUN --mount=type=bind,target=// ls\n"},
	// Stage references.
	{"copy from negative index", "FROM alpine\nCOPY --from=-1 /a /b\n"},
	{"copy from scratch", "FROM alpine\nCOPY --from=scratch /a /b\n"},
	{"from stage by index", "FROM alpine\nFROM 0\n"},
	{"from scratch uppercase", "FROM SCRATCH\n"},
	{"stage named like image", "FROM alpine AS ubuntu\nFROM ubuntu\nRUN ls\n"},
	// FROM --platform.
	{"platform os only", "FROM --platform=linux alpine\n"},
	{"platform arch only", "FROM --platform=arm64 alpine\n"},
	{"platform unknown single", "FROM --platform=foo alpine\n"},
	{"platform arm v7", "FROM --platform=linux/arm/v7 alpine\n"},
	{"platform os version", "FROM --platform=windows(10.0.17763)/amd64 alpine\n"},
	{"platform wildcard", "FROM --platform=linux/* alpine\n"},
	{"read-write bind mount", "FROM e\nRUN --mount=rw"},
	{"form feed after keyword", "ARG\f0\n0"},
	{"flags after form feed", "FROM alpine\nRUN\f--network=none\vls\n"},
	{"flags end with --", "FROM alpine\nRUN --network=none -- ls\n"},
	{"platform bad char", "FROM --platform=linux/am:d64 alpine\n"},
}

// TestParseAgreesWithBuildKit: for every case, Parse succeeds iff BuildKit
// accepts, and rejects at BuildKit's line.
func TestParseAgreesWithBuildKit(t *testing.T) {
	for _, c := range oracleCases {
		t.Run(c.name, func(t *testing.T) {
			checkAgreement(t, []byte(c.src))
		})
	}
}

func checkAgreement(t testing.TB, src []byte) {
	t.Helper()
	ok, line, msg := buildkitAccepts(t, src)
	compareWithBuildKit(t, src, ok, line, msg)
}

func compareWithBuildKit(t testing.TB, src []byte, ok bool, line int, msg string) {
	t.Helper()
	f, _, err := Parse("Dockerfile", src)
	if f != nil {
		// The model splits instructions where BuildKit does.
		for _, in := range f.Instructions {
			if in.Keyword != in.Node.Value || len(in.Flags) != len(in.Node.Flags) {
				t.Errorf("instruction %q %d flags, BuildKit's %q %d flags\n%q", in.Keyword, len(in.Flags), in.Node.Value, len(in.Node.Flags), src)
			}
		}
	}
	switch {
	case ok && err != nil:
		t.Errorf("BuildKit accepts, we reject: %v\n%q", err, src)
	case !ok && err == nil:
		if parseStageRejects(src) {
			t.Errorf("BuildKit's parser rejects (line %d: %s), we accept\n%q", line, msg, src)
		}
	case !ok:
		var pe *Error
		if !errors.As(err, &pe) {
			t.Fatalf("error %T is not *Error", err)
		}
		// BuildKit reports a build-time error before `# check=error=true`
		// lint violations; Parse knows only the latter, so lines may differ.
		lintFirst := strings.HasPrefix(pe.Msg, "lint violation") && !strings.HasPrefix(msg, "lint violation")
		if line > 0 && pe.Pos.Line != line && !lintFirst {
			t.Errorf("BuildKit rejects at line %d (%s), we at line %d (%s)\n%q", line, msg, pe.Pos.Line, pe.Msg, src)
		}
	}
}

// parseStageRejects reports whether BuildKit rejects src before conversion: in
// its parser, its instruction parser, or through `# check=error=true` on what
// those two warn about.
func parseStageRejects(src []byte) bool {
	res, err := parser.Parse(bytes.NewReader(src))
	if err != nil {
		return true
	}
	opts, _, _, _ := parser.ParseDirective("check", src)
	cfg, err := linter.ParseLintOptions(opts)
	if err != nil {
		return true
	}
	lint := linter.New(cfg)
	stages, _, err := instructions.Parse(res.AST, lint)
	if err != nil || len(stages) == 0 {
		return true
	}
	return lint.Error() != nil
}

// FuzzParseAgreesWithBuildKit: for any input, Parse succeeds iff BuildKit accepts.
func FuzzParseAgreesWithBuildKit(f *testing.F) {
	for _, c := range oracleCases {
		f.Add([]byte(c.src))
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		if len(src) > 64<<10 {
			t.Skip("over 64 KiB")
		}
		// Neither side may stall the fuzzer. BuildKit may: for an ADD of a Git
		// repository over SSH it dials the host to scan its key, and with the
		// resolver of init below only a host given by IP address gets that far.
		type verdict struct {
			ok   bool
			line int
			msg  string
		}
		bk := make(chan verdict, 1)
		go func() {
			ok, line, msg := buildkitAccepts(t, src)
			bk <- verdict{ok, line, msg}
		}()
		var v verdict
		select {
		case v = <-bk:
		case <-time.After(10 * time.Second):
			t.Skipf("BuildKit takes over 10 s (dialing an SSH host?): %q", src)
		}
		done := make(chan struct{})
		go func() {
			defer close(done)
			Parse("Dockerfile", src)
		}()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Fatalf("Parse takes over 10 s: %q", src)
		}
		compareWithBuildKit(t, src, v.ok, v.line, v.msg)
	})
}

// TestCorpusAgreesWithBuildKit checks every file of the directory named by
// $SHIPSHAPE_CORPUS (real-world Dockerfiles, e.g. the official images').
func TestCorpusAgreesWithBuildKit(t *testing.T) {
	dir := os.Getenv("SHIPSHAPE_CORPUS")
	if dir == "" {
		t.Skip("SHIPSHAPE_CORPUS is not set")
	}
	n := 0
	err := filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		src, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		n++
		t.Run(strings.TrimPrefix(path, dir), func(t *testing.T) { checkAgreement(t, src) })
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d files", n)
}

// TestOracleStaysOutOfTheBinary: the oracle is for tests only.
func TestOracleStaysOutOfTheBinary(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go list")
	}
	out, err := exec.Command("go", "list", "-deps", "../cmd/shipshape").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	for _, pkg := range strings.Fields(string(out)) {
		if strings.Contains(pkg, "dockerfile2llb") || strings.HasPrefix(pkg, "google.golang.org/grpc") {
			t.Errorf("the shipped binary imports %s", pkg)
		}
	}
}

// TestBuildTimeGaps lists rejections BuildKit makes only while converting, which
// Parse accepts: each stays a BuildKit rejection, passes BuildKit's parse stage,
// and is accepted by Parse. When Parse learns one, move it to oracleCases.
func TestBuildTimeGaps(t *testing.T) {
	for _, src := range []string{
		"FROM alpine\nEXPOSE 70000\n",                               // DF410 expose-valid reports it
		"FROM alpine\nEXPOSE 80/http\n",                             // DF410 expose-valid reports it
		"FROM Alpine\n",                                             // not a valid reference
		"FROM alpine AS a\nCOPY --from=b /x /y\nFROM alpine AS b\n", // a later stage
		"FROM alpine\nRUN --mount=type=foo ls\n",
		"FROM alpine\nSTOPSIGNAL SIGFOO\n",
		"FROM alpine\nCOPY --chmod=999 a /b\n",
	} {
		if ok, _, _ := buildkitAccepts(t, []byte(src)); ok {
			t.Errorf("BuildKit accepts %q: no longer a gap", src)
		}
		if parseStageRejects([]byte(src)) {
			t.Errorf("BuildKit's parser rejects %q: Parse must too, it is no gap", src)
		}
		if _, _, err := Parse("Dockerfile", []byte(src)); err != nil {
			t.Errorf("Parse rejects %q (%v): move it to oracleCases", src, err)
		}
	}
}

// fragments are the lines FuzzStructuredAgreesWithBuildKit assembles Dockerfiles
// from: byte mutations rarely produce a second stage or a variable that
// another instruction uses, and these do.
var fragments = []string{
	"# check=error=true", "# escape=`", "# syntax=docker/dockerfile:1", "# a comment", "",
	"FROM alpine", "FROM scratch", "FROM alpine AS a", "FROM a AS b", "FROM b", "FROM a",
	"FROM ${IMG}", "FROM ${IMG:-alpine} AS c", "FROM --platform=$BUILDPLATFORM alpine AS a",
	"FROM --platform=${P} alpine", "FROM alpine:$V", "FROM 0", "FROM Alpine",
	"ARG IMG", "ARG IMG=alpine", "ARG V", "ARG V=3.19", "ARG P=linux/arm64", "ARG X=${V}",
	"ARG SOURCE_DATE_EPOCH=a", "ARG TARGETARCH", "ARG DB_PASSWORD",
	"ENV X=1", "ENV X=${V:?unset}", "ENV Y=$X", "ENV X", "ENV P=80/tcp", "ENV D=/app",
	"WORKDIR $D", "WORKDIR rel", "WORKDIR /${X:?}", "WORKDIR /app",
	"EXPOSE 80", "EXPOSE $P", "EXPOSE ${X}", "EXPOSE 8080:80", "EXPOSE 80/TCP",
	"COPY --from=a /x /y", "COPY --from=b /x /y", "COPY --from=0 /x /y", "COPY --from=1 /x /y",
	"COPY --from=$X /x /y", "COPY --chmod=$X a /b", "COPY --chown=app --link a /b", "COPY <<EOF /x\n${X}\nEOF",
	"ADD --checksum=sha256:24454f830cdb571e2c4ad15481119c43b3cafd48dd869a9b2945d1036d1dc68d https://example.com/x /y",
	"ADD https://github.com/moby/buildkit.git?ref=$X /src",
	"RUN --mount=from=a,target=/x ls", "RUN --mount=from=b,target=/x ls", "RUN --mount=type=cache,target=$D ls",
	"RUN --mount=type=cache,target=. ls", "RUN --mount=type=secret,id=$X cat", "RUN --mount=type=bind,rw,target=/x ls",
	"RUN echo $X", "RUN <<EOF\necho hi\nEOF", "RUN a \\\n\n b",
	"ONBUILD COPY --from=b /x /y", "ONBUILD RUN --mount=from=a,target=/x ls", "ONBUILD EXPOSE $X", "ONBUILD WORKDIR /${X:?}",
	"CMD echo", "CMD [\"a\"]", "ENTRYPOINT [\"a\"]", "SHELL [\"/bin/bash\", \"-c\"]", "HEALTHCHECK CMD true",
	"STOPSIGNAL $X", "STOPSIGNAL SIGTERM", "VOLUME $X", "VOLUME [\"$E\"]", "USER $X", "LABEL a=$X", "MAINTAINER me",
	"from alpine", "run ls", "ENV PATH=$PATH:/x", "ARG X=2", "WORKDIR ${PATH:?}", "ARG X",
}

// FuzzStructuredAgreesWithBuildKit: Dockerfiles assembled from fragments, one
// line per input byte, agree with BuildKit.
func FuzzStructuredAgreesWithBuildKit(f *testing.F) {
	f.Add([]byte{5, 18, 30, 38})
	f.Add([]byte{7, 62, 8, 45, 10})
	f.Add([]byte{0, 18, 11, 33, 55})
	f.Fuzz(func(t *testing.T, choices []byte) {
		if len(choices) > 40 {
			t.Skip()
		}
		var b strings.Builder
		for _, c := range choices {
			b.WriteString(fragments[int(c)%len(fragments)])
			b.WriteByte('\n')
		}
		checkAgreement(t, []byte(b.String()))
	})
}
