#!/usr/bin/env bash
# survey.sh CORPUS [N] — lint a corpus of real Dockerfiles and print, per rule,
# how many findings it gave and N sample findings (default 5) chosen evenly, for a
# person to judge true or false. Used for the false-positive survey recorded in
# docs/benchmarks.md.
set -euo pipefail
[ $# -ge 1 ] || { echo "usage: $0 CORPUS [N]" >&2; exit 2; }
corpus=$1; n=${2:-5}
cd "$(dirname "$0")/.."
out=$(mktemp)
trap 'rm -f "$out"' EXIT
go run ./cmd/shipshape lint --failure-threshold none --format json "$corpus" >"$out" || true
python3 - "$out" "$n" <<'PY'
import json, sys, collections
rep = json.load(open(sys.argv[1])); n = int(sys.argv[2])
by = collections.defaultdict(list)
for f in rep["findings"]:
    by[(f["code"], f["name"], f["severity"])].append(f)
print(f'{rep["files"]} files, {len(rep["findings"])} findings')
for (code, name, sev), fs in sorted(by.items()):
    files = len({f["file"] for f in fs})
    print(f'\n## {code} {name} ({sev}): {len(fs)} findings in {files} files')
    step = max(1, len(fs) // n)
    for f in fs[::step][:n]:
        print(f'  {f["file"]}:{f["line"]}:{f["column"]}: {f["message"]}')
PY
