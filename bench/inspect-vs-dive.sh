#!/usr/bin/env bash
# inspect-vs-dive.sh - time `shipshape inspect` and dive on the same image archives.
#
# Usage:  DIVE=/path/to/dive bench/inspect-vs-dive.sh IMAGE.tar...
#
#   DIVE     a dive binary you built yourself from wagoodman/dive (this repository
#            neither ships nor builds it); without it only shipshape is timed
#   RUNS     runs per tool and image (default 3); the median wall time is reported
#   SHIPSHAPE  the shipshape binary (default: built from this checkout into a temp dir)
#
# Prints one TSV row per image and tool: image, tool, median wall seconds,
# max RSS in MB over the runs, and the dive-compatible wasted bytes each reports
# (every distinct value over the runs, joined by "/"). Run on a quiet machine
# with the archives in the page cache.
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

# measure TOOL IMAGE CMD...: median wall seconds and max RSS over RUNS runs
measure() {
  local tool=$1 img=$2; shift 2
  local walls=() rss=0
  local wasted=()
  for _ in $(seq "$RUNS"); do
    /usr/bin/time -f '%e %M' -o "$tmp/time" "$@" >"$tmp/out" 2>"$tmp/err" || true
    read -r wall kb < <(tail -n 1 "$tmp/time")
    walls+=("$wall")
    [ "$kb" -gt "$rss" ] && rss=$kb
    if [ "$tool" = dive ]; then
      wasted+=("$(grep -o 'wastedBytes: *[0-9]*' "$tmp/out" | grep -o '[0-9]*$' || echo '?')")
    else
      wasted+=("$(grep -m 1 -o '"wastedBytes": [0-9]*' "$tmp/out" | grep -o '[0-9]*$' || echo '?')")
    fi
  done
  local median
  median=$(printf '%s\n' "${walls[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
  # Every distinct figure over the runs: dive's can differ from run to run
  # on OCI archives (see docs/benchmarks.md).
  printf '%s\t%s\t%s\t%d\t%s\n' "$(basename "$img")" "$tool" "$median" $((rss / 1024)) \
    "$(printf '%s\n' "${wasted[@]}" | sort -u | paste -sd/)"
}

printf 'image\ttool\twall_s\trss_mb\twasted_bytes\n'
for img in "$@"; do
  cat "$img" >/dev/null # warm the page cache
  measure shipshape "$img" "$SHIPSHAPE" inspect --format json "$img"
  if [ -n "${DIVE:-}" ]; then
    CI=true measure dive "$img" "$DIVE" --source docker-archive "$img"
  fi
done
