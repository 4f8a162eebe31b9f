#!/bin/bash
# Benchmark of compare-perf: ours vs runperf 1.2, plus the serde_json parse
# floor, on one generated corpus (default 20 builds x 300 result.json).
#
# Usage: bench/compare_bench.sh [CORPUS_DIR] [BUILDS] [PROFILES] [TESTS] [SAMPLES]
# Env: REF_COMPARE (reference compare-perf), PYTHON (with runperf installed),
#      CARGO_TARGET_DIR. Needs /usr/bin/time (GNU time).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
CORPUS=${1:-/tmp/runperf-bench-corpus}
BUILDS=${2:-20}
PROFILES=${3:-3}
TESTS=${4:-100}
SAMPLES=${5:-30}
PYTHON=${PYTHON:-python3}
REF_COMPARE=${REF_COMPARE:-compare-perf}
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}

cargo build --release -q -p runperf --bin compare-perf --example parse_floor
OURS=$TARGET/release/compare-perf
FLOOR=$TARGET/release/examples/parse_floor

if [ ! -d "$CORPUS" ]; then
    "$PYTHON" "$ROOT/tests/differential/gen_corpus.py" 7 "$CORPUS" \
        --builds "$BUILDS" --profiles "$PROFILES" --tests "$TESTS" --samples "$SAMPLES"
fi
FILES=$(find "$CORPUS" -name result.json | wc -l)
SIZE=$(du -sm "$CORPUS" | cut -f1)
mapfile -t BUILD_DIRS < <(ls -d "$CORPUS"/build_* | sort)
MODEL="$CORPUS/model_v2.json"
ARGS=(-t 5 -s 10 -l "$MODEL" --model-builds-average 1 --n-out-of-results 1 --)
echo "corpus: $CORPUS, ${#BUILD_DIRS[@]} builds, $FILES result.json, ${SIZE} MB"

measure() {  # name, command...
    local name=$1; shift
    local log; log=$(mktemp)
    /usr/bin/time -v "$@" >/dev/null 2>"$log" || true
    local wall rss code
    wall=$(grep "Elapsed (wall clock)" "$log" | awk '{print $NF}')
    rss=$(grep "Maximum resident set size" "$log" | awk '{print $NF}')
    code=$(grep "Exit status" "$log" | awk '{print $NF}')
    printf "%-22s wall %-10s peak RSS %8d KB  exit %s\n" "$name" "$wall" "$rss" "$code"
    rm -f "$log"
}

# Warm the page cache so every run reads from memory.
cat $(find "$CORPUS" -name result.json) >/dev/null
measure "parse floor" "$FLOOR" "${BUILD_DIRS[@]}"
measure "compare-perf (ours)" "$OURS" "${ARGS[@]}" "${BUILD_DIRS[@]}"
measure "compare-perf (ref)" "$REF_COMPARE" "${ARGS[@]}" "${BUILD_DIRS[@]}"
