#!/usr/bin/env bash
# inspect-vs-dive.sh - time `shipshape inspect` and dive on the same image archives.
#
# Usage:  DIVE=/path/to/dive bench/inspect-vs-dive.sh IMAGE.tar...
#
#   DIVE     a dive binary you built yourself from wagoodman/dive (this repository
#            neither ships nor builds it); without it only shipshape is timed
#   RUNS     runs per tool and image (default 3), the tools taking turns; the
#            median and the fastest wall time are reported
#   SHIPSHAPE  the shipshape binary (default: built from this checkout into a temp dir)
#
# Prints one TSV row per image and tool: image, tool, median and fastest wall
# seconds, max RSS in MB over the runs, and the dive-compatible wasted bytes
# each reports (every distinct value over the runs, joined by "/"). Run on a
# quiet machine with the archives in the page cache.
#
# dive finds an OCI archive's layers by walking the tar and, with no
# manifest.json, takes their order from a Go map: on OCI archives its figures,
# and its time, change from run to run.
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${RUNS:-3}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
if [ -z "${SHIPSHAPE:-}" ]; then
  go build -o "$tmp/shipshape" ./cmd/shipshape
  SHIPSHAPE=$tmp/shipshape
fi

# run TOOL CMD...: one timed run, its wall seconds and RSS appended to
# $tmp/TOOL.wall and $tmp/TOOL.rss, its dive-compatible wasted bytes to
# $tmp/TOOL.wasted
run() {
  local tool=$1; shift
  /usr/bin/time -f '%e %M' -o "$tmp/time" "$@" >"$tmp/out" 2>"$tmp/err" || true
  read -r wall kb < <(tail -n 1 "$tmp/time")
  echo "$wall" >>"$tmp/$tool.wall"
  echo "$kb" >>"$tmp/$tool.rss"
  if [ "$tool" = dive ]; then
    grep -o 'wastedBytes: *[0-9]*' "$tmp/out" | grep -o '[0-9]*$' >>"$tmp/$tool.wasted" || echo '?' >>"$tmp/$tool.wasted"
  else
    grep -m 1 -o '"wastedBytes": [0-9]*' "$tmp/out" | grep -o '[0-9]*$' >>"$tmp/$tool.wasted" || echo '?' >>"$tmp/$tool.wasted"
  fi
}

# report IMAGE TOOL: median and fastest wall time, max RSS in MB, and every
# distinct wasted figure over the runs (dive's can differ from run to run on
# OCI archives, see docs/benchmarks.md)
report() {
  local img=$1 tool=$2
  local median fastest rss wasted
  median=$(sort -n "$tmp/$tool.wall" | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
  fastest=$(sort -n "$tmp/$tool.wall" | head -n 1)
  rss=$(sort -n "$tmp/$tool.rss" | tail -n 1)
  wasted=$(sort -u "$tmp/$tool.wasted" | paste -sd/)
  printf '%s\t%s\t%s\t%s\t%d\t%s\n' "$(basename "$img")" "$tool" "$median" "$fastest" $((rss / 1024)) "$wasted"
}

printf 'image\ttool\tmedian_s\tfastest_s\trss_mb\twasted_bytes\n'
for img in "$@"; do
  cat "$img" >/dev/null # warm the page cache
  rm -f "$tmp"/*.wall "$tmp"/*.rss "$tmp"/*.wasted
  # The tools take turns, so that a change in the machine's load hits both.
  for _ in $(seq "$RUNS"); do
    run shipshape "$SHIPSHAPE" inspect --format json "$img"
    if [ -n "${DIVE:-}" ]; then
      CI=true run dive "$DIVE" --source docker-archive "$img"
    fi
  done
  report "$img" shipshape
  if [ -n "${DIVE:-}" ]; then
    report "$img" dive
  fi
done
