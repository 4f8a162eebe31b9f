#!/bin/bash
# Speed and memory of `history-perf detect` against the issue's targets:
#   - detect over the store of bench/history_bench.sh (400 builds of
#     ~2,600 checks: 2,846 series x 400 builds), both algorithms
#                                       (target < 1 s, max RSS < 200 MB)
#   - the engine alone on 2,600 generated series x 400 builds
#     (the detect_bench example)
#   - --algorithm otava per series against apache-otava 0.8.0 on the same
#     series, with the same change points   (target >= 100x faster)
#
# Usage: bench/detect_bench.sh [WORK_DIR]
#
# WORK_DIR is bench/history_bench.sh's (default /tmp/runperf-history-bench);
# run that first to build its store, or give STORE=PATH. Env:
# CARGO_TARGET_DIR, RUNS (default 5; medians reported), OTAVA_PYTHON (a
# Python with apache-otava 0.8.0; the comparison is left out, saying so,
# when it has none).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
WORK=${1:-/tmp/runperf-history-bench}
STORE=${STORE:-$WORK/history.sqlite}
RUNS=${RUNS:-5}
OTAVA_PYTHON=${OTAVA_PYTHON:-python3}
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}

if [ ! -f "$STORE" ]; then
    echo "no store at $STORE: build it with bench/history_bench.sh $WORK, or set STORE" >&2
    exit 1
fi
(cd "$ROOT" && cargo build --release -q -p runperf --bin history-perf \
    --example detect_bench --example detect_series)
BIN=$TARGET/release
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT

# Median of column $1 of the lines on stdin.
median_of() {
    sort -n -k"$1","$1" | awk -v c="$1" '{v[NR] = $c} END {print v[int((NR + 1) / 2)]}'
}

row() { printf '%-44s %8s %8s %9s %s\n' "$@"; }
row "measure" "wall s" "CPU s" "max RSS" "target"
for algorithm in runperf otava; do
    : >"$OUT/times"
    for _ in $(seq "$RUNS"); do
        /usr/bin/time -f '%e %U %S %M' -o "$OUT/time" \
            "$BIN/history-perf" --store "$STORE" detect --algorithm "$algorithm" \
            >"$OUT/stdout" 2>/dev/null || true
        awk '{printf "%s %.2f %d\n", $1, $2 + $3, $4 / 1024}' "$OUT/time" >>"$OUT/times"
    done
    summary=$(tail -n 1 "$OUT/stdout")
    row "detect --algorithm $algorithm (store)" "$(median_of 1 <"$OUT/times")" \
        "$(median_of 2 <"$OUT/times")" "$(median_of 3 <"$OUT/times") MB" "< 1 s, < 200 MB"
    echo "    $summary"
done
echo "engine alone (detect_bench example: 2,600 generated series x 400 builds):"
"$BIN/examples/detect_bench" | sed 's/^/    /'
echo "engine alone, one thread:"
RAYON_NUM_THREADS=1 "$BIN/examples/detect_bench" | sed 's/^/    /'
if "$OTAVA_PYTHON" -c 'import otava' 2>/dev/null; then
    echo "--algorithm otava against apache-otava 0.8.0, window 30, per series:"
    "$OTAVA_PYTHON" "$ROOT/bench/otava_speed.py" --runner "$BIN/examples/detect_series" \
        "$ROOT"/tests/fixtures/detect/*.json | sed 's/^/    /'
else
    echo "apache-otava comparison left out: $OTAVA_PYTHON cannot import otava" \
        "(pip install apache-otava==0.8.0, then OTAVA_PYTHON=...)"
fi
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
