#!/usr/bin/env bash
# collect-dockerfiles.sh DEST REPO... — copy every Dockerfile* tracked in the given
# git checkouts (or bare mirrors) into DEST, one flat file each, for the lint
# benchmark and the false-positive survey. Nothing collected is ever committed.
set -euo pipefail
[ $# -ge 2 ] || { echo "usage: $0 DEST REPO..." >&2; exit 2; }
dest=$1; shift
mkdir -p "$dest"
for repo in "$@"; do
  name=$(basename "$(dirname "$repo")")
  [ "$(basename "$repo")" = repo ] || name=$(basename "$repo")
  mkdir -p "$dest/$name"
  git -C "$repo" ls-tree -r --name-only HEAD |
    grep -E '(^|/)(Dockerfile|Containerfile)[^/]*$' | grep -v '\.template$' |
    while read -r f; do
      git -C "$repo" show "HEAD:$f" >"$dest/$name/$(echo "$f" | tr / _).Dockerfile"
    done
done
find "$dest" -type f | wc -l | xargs echo "Dockerfiles collected:"
