#!/bin/bash
# Benchmark of compare-perf and analyze-perf: ours vs runperf 1.2, plus the
# serde_json parse floor, side by side on one corpus.
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
# wall time and peak RSS are reported with the load average. Ours also
# runs pinned to one core (taskset, RAYON_NUM_THREADS=1): the reference is
# single-threaded, so that row tells the speedup per core and how much the
# other cores add.
#
# analyze-perf runs as `-l LINEAR -s STDDEV -c CSV -- BUILDS...`; the files
# ours and the reference write are compared too.
#
# Env: RUNS, REF_COMPARE / REF_ANALYZE (reference binaries), PYTHON (with
#      runperf installed, to generate the corpus), CARGO_TARGET_DIR.
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
REF_ANALYZE=${REF_ANALYZE:-analyze-perf}
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}

(cd "$ROOT" && cargo build --release -q -p runperf --bin compare-perf --bin analyze-perf \
    --example parse_floor)
OURS=$TARGET/release/compare-perf
OURS_ANALYZE=$TARGET/release/analyze-perf
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

OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT
export RUNS FLOOR OURS REF_COMPARE OURS_ANALYZE REF_ANALYZE OUT
"$PYTHON" - "${ARGS[@]}" "${BUILD_DIRS[@]}" <<'PY'
import filecmp, os, statistics, subprocess, sys, time

env = os.environ
rest = sys.argv[1:]
split = rest.index("--")
args, builds = rest[: split + 1], rest[split + 1 :]
out = env["OUT"]

def analyze(binary, tag):
    return [binary, "-l", f"{out}/{tag}_linear.json", "-s", f"{out}/{tag}_stddev.json",
            "-c", f"{out}/{tag}_data.csv", "--"] + builds

ONE_THREAD = {"RAYON_NUM_THREADS": "1"}
ONE_CORE = ["taskset", "-c", "0"]
programs = [
    ("parse floor", [env["FLOOR"]] + builds, {}),
    ("compare-perf (ours)", [env["OURS"]] + args + builds, {}),
    ("compare-perf (ours, 1 core)", ONE_CORE + [env["OURS"]] + args + builds, ONE_THREAD),
    ("compare-perf (ref)", [env["REF_COMPARE"]] + args + builds, {}),
    ("analyze-perf (ours)", analyze(env["OURS_ANALYZE"], "ours"), {}),
    ("analyze-perf (ours, 1 core)", ONE_CORE + analyze(env["OURS_ANALYZE"], "ours1"), ONE_THREAD),
    ("analyze-perf (ref)", analyze(env["REF_ANALYZE"], "ref"), {}),
]

def measure(cmd, extra_env):
    """Wall seconds, peak RSS in KB and exit code of one run."""
    with open(os.devnull, "wb") as null:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=null, stderr=null, env={**env, **extra_env})
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
    return wall, usage.ru_maxrss, os.waitstatus_to_exitcode(status)

results = {name: [] for name, _, _ in programs}
loads = [os.getloadavg()[0]]
for _ in range(int(env["RUNS"])):
    for name, cmd, extra_env in programs:
        results[name].append(measure(cmd, extra_env))
    loads.append(os.getloadavg()[0])
median = {}
for name, _, _ in programs:
    walls = [r[0] for r in results[name]]
    rss = statistics.median(r[1] for r in results[name])
    codes = sorted({r[2] for r in results[name]})
    median[name] = (statistics.median(walls), rss)
    print(f"{name:<30} wall {median[name][0]:7.3f} s (runs: "
          + ", ".join(f"{w:.3f}" for w in walls)
          + f")  peak RSS {rss / 1024:7.1f} MB  exit {codes}")
floor = median["parse floor"][0]
for tool in ("compare-perf", "analyze-perf"):
    (ow, orss), (rw, rrss) = median[f"{tool} (ours)"], median[f"{tool} (ref)"]
    print(f"{tool}: {rw / ow:.1f}x faster than the reference (target >= 30x), "
          f"peak RSS {orss / rrss * 100:.0f}% of it (target <= 50%), "
          f"{ow / floor:.2f}x the floor time (target <= 2x)")
    one = median[f"{tool} (ours, 1 core)"][0]
    print(f"{tool}: on one core {rw / one:.1f}x faster than the reference (single-threaded); "
          f"{os.cpu_count()} cores are {one / ow:.2f}x faster than one")
for name in ("linear.json", "stddev.json", "data.csv"):
    same = filecmp.cmp(f"{out}/ours_{name}", f"{out}/ref_{name}", shallow=False)
    print(f"analyze-perf output {name}: {'identical' if same else 'DIFFERS'}")
print("load average (1 min) during the runs: " + ", ".join(f"{l:.2f}" for l in loads))
PY
