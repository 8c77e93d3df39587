#!/usr/bin/env bash
# squash-throughput.sh - `shipshape squash` against the physical reference, on the same
# image in the same run.
#
# Usage:  bench/squash-throughput.sh IMAGE.docker.tar...
#
#   IMAGE    docker-archive files (docker save layout, uncompressed layers), e.g. the ones
#            /work/shared/tools/make-images.sh writes: /tmp/bench-images/big.docker.tar
#   RUNS     runs per contender and image (default 3); the median wall time is reported
#   SHIPSHAPE  the shipshape binary (default: built from this checkout into a temp dir)
#   TMPDIR   where outputs go (default /tmp); needs room for two compressed copies
#
# The reference is the least a squash must do physically: read every layer of the image
# once (GNU tar extracting the layer blobs from the archive), write them as one tar stream
# and compress it with pigz at gzip's default level on every core:
#     tar -xOf IMAGE LAYER... | pigz -6 -p $(nproc) > ref.tar.gz
# shipshape squash does more than that (it reads the layers twice, merges, hashes every
# file, and by default reads its output back to verify it) and compresses less (only the
# new layer, without dead files). Throughput is the image's layer bytes over wall time.
#
# Prints one TSV row per image and contender: image, contender, median wall seconds,
# MB/s (10^6 bytes), max RSS in MB, output bytes; then the ratio of squash's throughput
# to the reference's.
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${RUNS:-3}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/squash-bench.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
if [ -z "${SHIPSHAPE:-}" ]; then
  go build -o "$tmp/shipshape" ./cmd/shipshape
  SHIPSHAPE=$tmp/shipshape
fi
for tool in pigz tar; do
  command -v "$tool" >/dev/null || { echo "squash-throughput: missing $tool" >&2; exit 2; }
done
cores=$(nproc)

# layers IMAGE: the layer files manifest.json lists, one per line
layers() {
  tar -xOf "$1" manifest.json | tr -d '\n' | sed -e 's/.*"Layers":\[\([^]]*\)\].*/\1/' | tr ',' '\n' | tr -d '"'
}

# measure NAME IMAGE OUT CMD...: median wall seconds and max RSS over RUNS runs
measure() {
  local name=$1 img=$2 out=$3; shift 3
  local walls=() rss=0 size=0
  for _ in $(seq "$RUNS"); do
    rm -rf "$out"
    /usr/bin/time -f '%e %M' -o "$tmp/time" "$@" >"$tmp/stdout" 2>"$tmp/stderr" || { cat "$tmp/stderr" >&2; exit 1; }
    read -r wall kb <"$tmp/time"
    walls+=("$wall")
    [ "$kb" -gt "$rss" ] && rss=$kb
    size=$(du -sb "$out" | cut -f1)
  done
  local median
  median=$(printf '%s\n' "${walls[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
  printf '%s\t%s\t%s\t%.1f\t%d\t%s\n' "$(basename "$img")" "$name" "$median" \
    "$(awk -v b="$bytes" -v s="$median" 'BEGIN {print b / s / 1e6}')" $((rss / 1024)) "$size"
  last=$median
}

printf 'image\tcontender\twall_s\tMB_per_s\trss_mb\toutput_bytes\n'
for img in "$@"; do
  mapfile -t ls < <(layers "$img")
  bytes=$(tar -tvf "$img" "${ls[@]}" | awk '{s += $3} END {print s}')
  cat "$img" >/dev/null # warm the page cache: both contenders read from memory
  measure reference "$img" "$tmp/ref.tar.gz" bash -c 'img=$0 cores=$1 out=$2; shift 2; tar -xOf "$img" "$@" | pigz -6 -p "$cores" > "$out"' \
    "$img" "$cores" "$tmp/ref.tar.gz" "${ls[@]}"
  ref=$last
  measure squash "$img" "$tmp/squashed.tar" "$SHIPSHAPE" squash "$img" -o "oci-archive:$tmp/squashed.tar"
  sq=$last
  measure squash-no-verify "$img" "$tmp/squashed.tar" "$SHIPSHAPE" squash --no-verify "$img" -o "oci-archive:$tmp/squashed.tar"
  printf '%s\tsquash/reference throughput: %.0f%%\n' "$(basename "$img")" "$(awk -v r="$ref" -v s="$sq" 'BEGIN {print 100 * r / s}')"
done
