#!/bin/bash
# Benchmark of analyze-perf (-l -s -c on every build): ours vs runperf 1.2,
# plus the serde_json parse floor, on the corpus compare_bench.sh uses
# (generated when missing, default 20 builds x 300 result.json).
#
# Usage: bench/analyze_bench.sh [CORPUS_DIR] [BUILDS] [PROFILES] [TESTS] [SAMPLES]
# Env: REF_ANALYZE (reference analyze-perf), PYTHON, CARGO_TARGET_DIR.
# Needs /usr/bin/time (GNU time).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
CORPUS=${1:-/tmp/runperf-bench-corpus}
BUILDS=${2:-20}
PROFILES=${3:-3}
TESTS=${4:-100}
SAMPLES=${5:-30}
PYTHON=${PYTHON:-python3}
REF_ANALYZE=${REF_ANALYZE:-analyze-perf}
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}

cargo build --release -q -p runperf --bin analyze-perf --example parse_floor
OURS=$TARGET/release/analyze-perf
FLOOR=$TARGET/release/examples/parse_floor

if [ ! -d "$CORPUS" ]; then
    "$PYTHON" "$ROOT/tests/differential/gen_corpus.py" 7 "$CORPUS" \
        --builds "$BUILDS" --profiles "$PROFILES" --tests "$TESTS" --samples "$SAMPLES"
fi
FILES=$(find "$CORPUS" -name result.json | wc -l)
SIZE=$(du -sm "$CORPUS" | cut -f1)
mapfile -t BUILD_DIRS < <(ls -d "$CORPUS"/build_* | sort)
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT
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

analyze_args() {  # tag
    echo -l "$OUT/$1_linear.json" -s "$OUT/$1_stddev.json" -c "$OUT/$1_data.csv" --
}

# Warm the page cache so every run reads from memory.
cat $(find "$CORPUS" -name result.json) >/dev/null
measure "parse floor" "$FLOOR" "${BUILD_DIRS[@]}"
# shellcheck disable=SC2046
measure "analyze-perf (ours)" "$OURS" $(analyze_args ours) "${BUILD_DIRS[@]}"
# shellcheck disable=SC2046
measure "analyze-perf (ref)" "$REF_ANALYZE" $(analyze_args ref) "${BUILD_DIRS[@]}"
for file in linear.json stddev.json data.csv; do
    if cmp -s "$OUT/ours_$file" "$OUT/ref_$file"; then
        echo "output $file: identical"
    else
        echo "output $file: DIFFERS"
    fi
done
