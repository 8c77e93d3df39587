#!/usr/bin/env bash
# context-scale.sh [DIR] — how fast `shipshape context` measures a large build
# context, against find and du on the same tree as the physical reference.
#
# It makes (once; an existing tree is reused) a 200,000-file, 5,000,000,000-byte
# context under DIR (default /tmp/shipshape-ctx-scale): src/ (40,000 × 4 KiB),
# node_modules/ (120,000 × 2 KiB), .git/objects/ (29,952 × 8 KiB), data/ (small
# CSVs and ten large Parquet files that make up the rest). Files are sparse
# (truncate), so the tree takes almost no disk: shipshape only stats files, and
# their apparent sizes are what it and `du -b` add up.
#
# Then, with a warm page cache, best of 5 wall-clock runs each:
#   find DIR -type f | wc -l, du -sb DIR,
#   shipshape context --format json DIR  without a .dockerignore (all sent), and
#   with .git, node_modules and *.log ignored (pruned directories measured by a
#   stat-only walk).
# Results go to docs/benchmarks.md by hand, with this command line.
set -euo pipefail
root=${1:-/tmp/shipshape-ctx-scale}
cd "$(dirname "$0")/.."
bin=$(mktemp -d)/shipshape
trap 'rm -rf "$(dirname "$bin")"' EXIT
go build -trimpath -o "$bin" ./cmd/shipshape

ctx=$root/ctx
if [ ! -f "$root/.complete" ]; then
  rm -rf "$root"
  mkdir -p "$ctx"
  echo "making the tree under $ctx (once)…" >&2
  # make NAMES SIZE: create the files named on stdin with an apparent SIZE each.
  make() {
    awk -v c="$ctx" '{print c "/" $0}' >"$root/names"
    sed 's|/[^/]*$||' "$root/names" | sort -u | xargs -d '\n' mkdir -p
    xargs -d '\n' -n 2000 truncate -s "$1" <"$root/names"
  }
  awk 'BEGIN{for(p=0;p<200;p++)for(f=0;f<200;f++)printf "src/pkg%03d/file%03d.go\n",p,f}' | make 4096
  awk 'BEGIN{for(m=0;m<2000;m++)for(f=0;f<60;f++)printf "node_modules/mod%04d/lib/file%02d.js\n",m,f}' | make 2048
  awk 'BEGIN{for(d=0;d<256;d++)for(f=0;f<117;f++)printf ".git/objects/%02x/obj%03d\n",d,f}' | make 8192
  printf 'FROM node:22\nCOPY . /app\n' >"$ctx/Dockerfile"
  printf '{"name":"scale"}\n' >"$ctx/package.json"
  printf 'debug\n' >"$ctx/app.log"
  # data/: small CSVs up to 200,000 files in all, ten large files for the rest
  have=$(find "$ctx" -type f | wc -l)
  small=$((200000 - have - 10))
  awk -v n="$small" 'BEGIN{for(i=0;i<n;i++)printf "data/part%05d.csv\n",i}' | make 1024
  used=$(find "$ctx" -type f -printf '%s\n' | awk '{s+=$1} END {printf "%.0f", s}')
  big=$(((5000000000 - used) / 10))
  for i in 0 1 2 3 4 5 6 7 8 9; do truncate -s "$big" "$ctx/data/big-$i.parquet"; done
  rm -f "$root/names"
  touch "$root/.complete"
fi

# best CMD…: best wall time of 5 runs after one warm-up run.
best() {
  "$@" >/dev/null 2>&1 || true
  local b=""
  for _ in 1 2 3 4 5; do
    local s e t
    s=$(date +%s.%N)
    "$@" >/dev/null 2>&1 || true
    e=$(date +%s.%N)
    t=$(echo "$e - $s" | bc -l)
    if [ -z "$b" ] || [ "$(echo "$t < $b" | bc -l)" = 1 ]; then b=$t; fi
  done
  printf '%.3f s' "$b"
}

echo "tree: $(find "$ctx" -type f | wc -l) files, $(find "$ctx" -type f -printf '%s\n' | awk '{s+=$1} END {printf "%.0f", s}') bytes (apparent)"
echo "find $ctx -type f | wc -l:  $(best sh -c "find '$ctx' -type f | wc -l")"
echo "du -sb $ctx:                $(best du -sb "$ctx")"
run() { "$bin" context --failure-threshold none --format json "$ctx"; }
totals() { run | grep -E '"(sent|ignored)(Files|Bytes)"' | tr -d ' ,\n'; echo; }
usage() {
  if [ -x /usr/bin/time ]; then
    /usr/bin/time -f '  one run: %e s wall, %U s user, %S s sys, peak RSS %M KiB' "$bin" context --failure-threshold none --format json "$ctx" >/dev/null
  fi
}
trap 'rm -rf "$(dirname "$bin")"; rm -f "$ctx/.dockerignore"' EXIT
rm -f "$ctx/.dockerignore"
echo "shipshape context --format json, no .dockerignore: $(best run)"
totals
usage
printf '.git\nnode_modules\n*.log\n' >"$ctx/.dockerignore"
echo "shipshape context --format json, .git node_modules *.log ignored: $(best run)"
totals
usage
