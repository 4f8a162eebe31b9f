#!/bin/bash
# Benchmark of history-perf against the issue's targets, on a generated
# history of N builds (default 400) of ~375 result.json / ~2,600 checks:
#   - `add` of one build            (target < 0.3 s, SQLite)
#   - store size vs the stripped trees it holds (target <= 1/4)
#   - `list` and `series`           (target < 0.2 s)
#   - compare-perf of a new tree against 20 stored builds vs against the
#     20 trees                      (target >= 3x faster)
#
# Usage: bench/history_bench.sh [WORK_DIR] [BUILDS]
#
# The 20 distinct trees of tests/differential/gen_corpus.py (seed 7, 3
# profiles x 100 tests) are stored again and again under new ids up to
# BUILDS builds: every build is a full row set, as a real history's would
# be. Env: PYTHON, CARGO_TARGET_DIR, RUNS (default 3; medians reported).
# Each measure gives the wall time and the CPU time (user + system, all
# threads): on a shared machine the wall time mostly says how busy it is.
# The two compare-perf runs alternate, so that both meet the same load.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
WORK=${1:-/tmp/runperf-history-bench}
BUILDS=${2:-400}
RUNS=${RUNS:-3}
PYTHON=${PYTHON:-python3}
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}

(cd "$ROOT" && cargo build --release -q -p runperf --bin compare-perf \
    --bin history-perf --bin strip-run-perf)
BIN=$TARGET/release
CORPUS=$WORK/corpus
STRIPPED=$WORK/stripped
STORE=$WORK/history.sqlite
mkdir -p "$WORK"
if [ ! -d "$CORPUS" ]; then
    "$PYTHON" "$ROOT/tests/differential/gen_corpus.py" 7 "$CORPUS" \
        --builds 21 --profiles 3 --tests 100 --samples 30
fi
mapfile -t TREES < <(find -H "$CORPUS" -mindepth 1 -maxdepth 1 -type d | sort)
if [ ! -d "$STRIPPED" ]; then
    mkdir -p "$STRIPPED"
    for t in "${TREES[@]}"; do
        "$BIN/strip-run-perf" "$t" "$STRIPPED/$(basename "$t")" >/dev/null
    done
fi
NEW=${TREES[20]}
REFS=("${TREES[@]:0:20}")

# "WALL CPU" in seconds of one run of a command.
timed() {
    /usr/bin/time -f '%e %U %S' -o "$WORK/time.out" "$@" >/dev/null 2>&1 || true
    awk '/^[0-9]/ {printf "%s %.2f\n", $1, $2 + $3}' "$WORK/time.out"
}

# "WALL CPU" medians of the "WALL CPU" lines on stdin.
medians() {
    local lines
    lines=$(cat)
    local n
    n=$(echo "$lines" | wc -l)
    echo "$(echo "$lines" | awk '{print $1}' | sort -n | sed -n "$(((n + 1) / 2))p")" \
        "$(echo "$lines" | awk '{print $2}' | sort -n | sed -n "$(((n + 1) / 2))p")"
}

# Medians of RUNS runs of a command.
median() {
    for _ in $(seq "$RUNS"); do timed "$@"; done | medians
}

if [ ! -f "$STORE" ]; then
    for i in $(seq 1 "$BUILDS"); do
        tree=${REFS[$(((i - 1) % 20))]}
        "$BIN/history-perf" --store "$STORE" add --build "$i" "$tree" >/dev/null
    done
fi
stored=$("$BIN/history-perf" --store "$STORE" list | tail -n +2 | wc -l)
checks=$("$BIN/history-perf" --store "$STORE" list --last 1 | awk 'NR == 2 {print $NF}')
results=$(find "${REFS[0]}" -name result.json | wc -l)
echo "history: $stored builds, $checks checks and $results result.json per build"

# add alone: the build is removed (untimed) before each run.
add_once() {
    "$BIN/history-perf" --store "$STORE" remove bench-new --yes >/dev/null 2>&1 || true
    timed "$BIN/history-perf" --store "$STORE" add --build bench-new "$NEW"
}
add=$(for _ in $(seq "$RUNS"); do add_once; done | medians)
list=$(median "$BIN/history-perf" --store "$STORE" list)
series=$(median "$BIN/history-perf" --store "$STORE" series)
"$BIN/history-perf" --store "$STORE" remove bench-new --yes >/dev/null 2>&1 || true
sqlite_bytes=$(($(stat -c %s "$STORE") + $(stat -c %s "$STORE-wal" 2>/dev/null || echo 0)))
stripped_20=$(du -sb "${REFS[@]/#$CORPUS/$STRIPPED}" | awk '{n += $1} END {print n}')
stripped_all=$((stripped_20 * stored / 20))
ids=()
for i in $(seq $((stored - 19)) "$stored"); do ids+=("@$i"); done
: >"$WORK/trees.times"
: >"$WORK/store.times"
for _ in $(seq "$RUNS"); do
    timed "$BIN/compare-perf" -- "$NEW" "${REFS[@]}" >>"$WORK/trees.times"
    timed "$BIN/compare-perf" --store "$STORE" -- "$NEW" "${ids[@]}" >>"$WORK/store.times"
done
from_trees=$(medians <"$WORK/trees.times")
from_store=$(medians <"$WORK/store.times")
# The same on one core, as bench/compare_bench.sh measures ours: the work
# itself, without what the second core adds to reading trees in parallel.
: >"$WORK/trees1.times"
: >"$WORK/store1.times"
one_core=(env RAYON_NUM_THREADS=1 taskset -c 0)
for _ in $(seq "$RUNS"); do
    timed "${one_core[@]}" "$BIN/compare-perf" -- "$NEW" "${REFS[@]}" >>"$WORK/trees1.times"
    timed "${one_core[@]}" "$BIN/compare-perf" --store "$STORE" -- "$NEW" "${ids[@]}" >>"$WORK/store1.times"
done
from_trees1=$(medians <"$WORK/trees1.times")
from_store1=$(medians <"$WORK/store1.times")

row() { printf '%-40s %9s %9s %10s\n' "$@"; }
row "measure" "wall s" "CPU s" "target"
row "add one build" $add "< 0.3 s"
row "list" $list "< 0.2 s"
row "series" $series "< 0.2 s"
row "compare-perf NEW + 20 trees" $from_trees ""
row "compare-perf NEW + 20 stored builds" $from_store ""
ratio() { echo "scale=1; $1 / $2" | bc; }
row "speedup" "$(ratio "${from_trees% *}" "${from_store% *}")x" \
    "$(ratio "${from_trees#* }" "${from_store#* }")x" ">= 3x"
row "compare-perf NEW + 20 trees, 1 core" $from_trees1 ""
row "compare-perf NEW + 20 stored, 1 core" $from_store1 ""
row "speedup on 1 core" "$(ratio "${from_trees1% *}" "${from_store1% *}")x" \
    "$(ratio "${from_trees1#* }" "${from_store1#* }")x" ">= 3x"
printf '%-40s %9s MB\n' "store size" "$((sqlite_bytes / 1048576))"
printf '%-40s %9s MB\n' "stripped trees it holds ($stored)" "$((stripped_all / 1048576))"
printf '%-40s %9s %20s\n' "store / stripped trees" \
    "$(echo "scale=3; $sqlite_bytes / $stripped_all" | bc)" "<= 0.25"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
