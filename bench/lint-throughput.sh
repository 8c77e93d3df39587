#!/usr/bin/env bash
# lint-throughput.sh CORPUS — how fast shipshape lints real Dockerfiles:
#  1. one process over every file of CORPUS (files per second, wall clock),
#  2. one small file, start-up included (wall ms per run, median of 50),
#  3. the Go benchmark of the lint engine alone on the same corpus.
# Results go to docs/benchmarks.md by hand, with this command line.
set -euo pipefail
[ $# -eq 1 ] || { echo "usage: $0 CORPUS_DIR" >&2; exit 2; }
corpus=$(cd "$1" && pwd)
cd "$(dirname "$0")/.."
bin=$(mktemp -d)/shipshape
trap 'rm -rf "$(dirname "$bin")"' EXIT
go build -trimpath -o "$bin" ./cmd/shipshape

files=$(find "$corpus" -type f | wc -l)
bytes=$(find "$corpus" -type f -printf '%s\n' | awk '{s+=$1} END {print s}')
echo "corpus: $files files, $bytes bytes ($((bytes / files)) bytes/file on average)"

# Warm the page cache, then time three whole-corpus runs and keep the best.
"$bin" lint --failure-threshold none --format json "$corpus" >/dev/null
best=""
for _ in 1 2 3; do
  start=$(date +%s.%N)
  "$bin" lint --failure-threshold none --format json "$corpus" >/dev/null
  end=$(date +%s.%N)
  t=$(echo "$end - $start" | bc -l)
  if [ -z "$best" ] || [ "$(echo "$t < $best" | bc -l)" = 1 ]; then best=$t; fi
done
printf 'whole corpus, one process: %.3f s, %.0f files/s\n' "$best" "$(echo "$files / $best" | bc -l)"

one=examples/python-good/Dockerfile
if command -v hyperfine >/dev/null 2>&1; then
  hyperfine --warmup 5 --runs 50 -N "$bin lint --failure-threshold none $one"
else
  times=()
  for _ in $(seq 50); do
    s=$(date +%s%N); "$bin" lint --failure-threshold none "$one" >/dev/null; e=$(date +%s%N)
    times+=($(((e - s) / 1000)))
  done
  printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {printf "single file: median %.1f ms (50 runs)\n", a[int((NR+1)/2)]/1000}'
fi

SHIPSHAPE_BENCH_CORPUS=$corpus go test ./rules -run '^$' -bench BenchmarkLint -benchtime 3s -count 3
