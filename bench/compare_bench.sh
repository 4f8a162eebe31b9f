#!/bin/bash
# Benchmark of compare-perf: ours vs runperf 1.2, plus the serde_json parse
# floor, side by side on one corpus.
#
# Usage: bench/compare_bench.sh [CORPUS_DIR] [BUILDS] [PROFILES] [TESTS] [SAMPLES]
#
# CORPUS_DIR defaults to /tmp/runperf-bench-corpus, generated when missing
# by tests/differential/gen_corpus.py (20 builds x ~375 result.json,
# ~170 MB). Any existing corpus works too: its sub-directories, sorted,
# are the builds (source first, target last) and `model_v2.json` in it, if
# any, is passed with -l.
#
# The floor is a minimal program reading the same result.json files:
# directory walk (file types from readdir), read each file whole and
# parse it fully with serde_json into IgnoredAny, files in parallel on all
# cores (host/examples/parse_floor.rs).
#
# Each program runs RUNS times (default 3), interleaved; the medians of
# wall time and peak RSS are reported with the load average.
#
# Env: RUNS, REF_COMPARE (reference compare-perf), PYTHON (with runperf
#      installed, to generate the corpus), CARGO_TARGET_DIR.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
CORPUS=${1:-/tmp/runperf-bench-corpus}
BUILDS=${2:-20}
PROFILES=${3:-3}
TESTS=${4:-100}
SAMPLES=${5:-30}
RUNS=${RUNS:-3}
PYTHON=${PYTHON:-python3}
REF_COMPARE=${REF_COMPARE:-compare-perf}
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}

(cd "$ROOT" && cargo build --release -q -p runperf --bin compare-perf --example parse_floor)
OURS=$TARGET/release/compare-perf
FLOOR=$TARGET/release/examples/parse_floor

if [ ! -d "$CORPUS" ]; then
    "$PYTHON" "$ROOT/tests/differential/gen_corpus.py" 7 "$CORPUS" \
        --builds "$BUILDS" --profiles "$PROFILES" --tests "$TESTS" --samples "$SAMPLES"
fi
mapfile -t BUILD_DIRS < <(find "$CORPUS" -mindepth 1 -maxdepth 1 -type d | sort)
FILES=$(find "$CORPUS" -name result.json | wc -l)
SIZE=$(du -sm "$CORPUS" | cut -f1)
ARGS=(-t 5 -s 10)
[ -f "$CORPUS/model_v2.json" ] && ARGS+=(-l "$CORPUS/model_v2.json")
ARGS+=(--model-builds-average 1 --n-out-of-results 1 --)
echo "corpus: $CORPUS: ${#BUILD_DIRS[@]} builds, $FILES result.json" \
     "($((FILES / ${#BUILD_DIRS[@]})) per build), ${SIZE} MB"
if [ "${#BUILD_DIRS[@]}" -lt 20 ] || [ "$FILES" -lt $((20 * 300)) ] || [ "$SIZE" -lt 15 ]; then
    echo "warning: smaller than the 20 builds x 300 result.json, 15 MB the targets are set for"
fi

# Warm the page cache so every run reads from memory.
find "$CORPUS" -name result.json -exec cat {} + >/dev/null

"$PYTHON" - "$RUNS" "$FLOOR" "$OURS" "$REF_COMPARE" "${ARGS[@]}" "${BUILD_DIRS[@]}" <<'PY'
import os, statistics, subprocess, sys, time

runs, floor, ours, ref, rest = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5:]
split = rest.index("--")
args, builds = rest[: split + 1], rest[split + 1 :]
programs = [
    ("parse floor", [floor] + builds),
    ("compare-perf (ours)", [ours] + args + builds),
    ("compare-perf (ref)", [ref] + args + builds),
]

def measure(cmd):
    """Wall seconds, peak RSS in KB and exit code of one run."""
    with open(os.devnull, "wb") as null:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=null, stderr=null)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
    return wall, usage.ru_maxrss, os.waitstatus_to_exitcode(status)

results = {name: [] for name, _ in programs}
loads = [os.getloadavg()[0]]
for _ in range(runs):
    for name, cmd in programs:
        results[name].append(measure(cmd))
    loads.append(os.getloadavg()[0])
median = {}
for name, _ in programs:
    walls = [r[0] for r in results[name]]
    rss = statistics.median(r[1] for r in results[name])
    codes = sorted({r[2] for r in results[name]})
    median[name] = (statistics.median(walls), rss)
    print(f"{name:<20} wall {median[name][0]:7.3f} s (runs: "
          + ", ".join(f"{w:.3f}" for w in walls)
          + f")  peak RSS {rss / 1024:7.1f} MB  exit {codes}")
(ow, orss), (rw, rrss), (fw, _) = median["compare-perf (ours)"], median["compare-perf (ref)"], median["parse floor"]
print(f"ours vs ref: {rw / ow:.1f}x faster (target >= 30x), "
      f"peak RSS {orss / rrss * 100:.0f}% of ref (target <= 50%); "
      f"ours vs floor: {ow / fw:.2f}x the floor time (target <= 2x)")
print("load average (1 min) during the runs: " + ", ".join(f"{l:.2f}" for l in loads))
PY
