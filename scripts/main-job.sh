#!/usr/bin/env bash
# The main job on this machine, end to end: build runperf, run fio twice
# under the Localhost profile (real fio, small sizes), compare the second
# run with the first and write the HTML report.
#
#   ./scripts/main-job.sh [WORKDIR]      (default ./main-job)
#
# Needs fio (installed through apt-get or dnf by the fio plugin when
# missing, which needs root) and a few minutes.
set -euo pipefail
cd "$(dirname "$0")/.."

work=$(realpath -m "${1:-main-job}")
mkdir -p "$work/fio-target"

cargo build --release --workspace
bin=target/release

fio_params='{"runtime": 3, "ramptime": 1, "samples": 2, "file-size": 64, "block-sizes": "4,64", "targets": "'"$work/fio-target"'"}'
for run in run1 run2; do
    echo "== run-perf: $run (fio under Localhost)"
    # A busy machine (a build running) would hold each test for up to ten
    # minutes waiting for calm; a minute is enough for a demonstration.
    "$bin/run-perf" -v --load-timeout 60 --output "$work/$run" --profiles Localhost -- "fio:$fio_params"
    # run-perf exits non-zero when anything failed; a tree without a
    # single result would still compare as "no regression", so check.
    if ! find "$work/$run/Localhost/fio" -name result.json -print -quit 2>/dev/null | grep -q .; then
        echo "run-perf wrote no fio result under $work/$run; see $work/$run/__error__* and the log above" >&2
        exit 1
    fi
done

echo "== compare-perf: run2 against run1"
status=0
"$bin/compare-perf" -v --html "$work/report.html" --html-with-charts \
    --xunit "$work/result.xml" --markdown "$work/summary.md" -- "$work/run1" "$work/run2" || status=$?
case $status in
    0) verdict="no regression" ;;
    2) verdict="regression found (exit 2; run-to-run noise of a busy machine shows up as such)" ;;
    *) echo "compare-perf failed with exit code $status" >&2; exit "$status" ;;
esac
rm -rf "$work/fio-target"
echo
echo "Results:  $work/run1  $work/run2"
echo "Verdict:  $verdict"
echo "Report:   $work/report.html"
