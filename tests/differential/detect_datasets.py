#!/usr/bin/env python3
"""Public datasets with known change points (tests/fixtures/detect):
`--algorithm otava` against apache-otava 0.8.0, and `--algorithm runperf`
against the known changes.

Usage: detect_datasets.py --runner PATH [--record]

PATH is the built `detect_series` example; run this with a Python that has
apache-otava 0.8.0. For every fixture and every parameter set of
PARAMS, apache-otava's change points are compared with ours (same
indices, p-values within 1e-9 relative). With --record, apache-otava's
output is also written into the fixtures ("apache_otava"), where the
CI test host/tests/detect_datasets.rs compares ours with it. Then each
fixture is analysed alone by `--algorithm runperf` and its reports are
matched with the known changes (a step within 3 builds, an outlier at its
build); a fixture without change must give no report. Exit code 1 on any
difference or a known change missed.
"""
import argparse
import glob
import json
import os
import subprocess
import sys

from otava.analysis import compute_change_points

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.join(HERE, "..", "fixtures", "detect")
# Otava's defaults, the window of Otava's TigerBeetle tests, and a looser level.
PARAMS = [(50, 0.001, 0.0), (30, 0.001, 0.0), (30, 0.01, 0.05)]
TOLERANCE = 3


def ours(runner, request):
    out = subprocess.run([runner], input=json.dumps(request), capture_output=True, text=True)
    if out.returncode != 0:
        sys.exit(f"{runner} failed: {out.stderr}")
    return json.loads(out.stdout)["results"]


def rel(a, b):
    a, b = float(a), float(b)
    if a == b:
        return 0.0
    return abs(a - b) / max(abs(a), abs(b))


def matches(known, reports):
    """Known changes missed and reports that match none."""
    missed, left = [], list(reports)
    for at in known["outliers"]:
        if (at, "outlier") in left:
            left.remove((at, "outlier"))
        else:
            missed.append(f"outlier {at}")
    for at in known["steps"]:
        near = [r for r in left if r[1] == "step" and abs(r[0] - at) <= TOLERANCE]
        if near:
            left.remove(min(near, key=lambda r: abs(r[0] - at)))
        else:
            missed.append(f"step {at}")
    return missed, left


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runner", required=True)
    ap.add_argument("--record", action="store_true", help="write apache-otava's output into the fixtures")
    args = ap.parse_args()
    ok = True
    for path in sorted(glob.glob(os.path.join(FIXTURES, "*.json"))):
        with open(path) as f:
            fixture = json.load(f)
        values = fixture["values"]
        recorded = []
        for window, max_pvalue, min_magnitude in PARAMS:
            cps, _ = compute_change_points(list(values), window_len=window, max_pvalue=max_pvalue,
                                           min_magnitude=min_magnitude)
            want = [(int(c.index), float(c.stats.pvalue)) for c in cps]
            have = ours(args.runner, {"algorithm": "otava", "window": window, "max_pvalue": max_pvalue,
                                      "min_magnitude": min_magnitude, "series": [{"values": values}]})[0]
            have = [(c["index"], float(c["pvalue"])) for c in have]
            same = [i for i, _ in want] == [i for i, _ in have]
            worst = max((rel(a, b) for (_, a), (_, b) in zip(want, have)), default=0.0)
            ok &= same and worst <= 1e-9
            print(f"{fixture['name']:<22} otava window {window:>2} p {max_pvalue:<5} magnitude {min_magnitude:<4}: "
                  f"{'same' if same else 'DIFFERENT'} indices {[i for i, _ in want]}"
                  + ("" if same else f" vs ours {[i for i, _ in have]}") + f", p-values within {worst:.2g}")
            recorded.append({"window": window, "max_pvalue": max_pvalue, "min_magnitude": min_magnitude,
                             "indices": [i for i, _ in want], "pvalues": [p for _, p in want]})
        if args.record:
            fixture["apache_otava"] = recorded
            with open(path, "w") as f:
                json.dump(fixture, f, indent=1)
                f.write("\n")
        if fixture["known"] is None:
            continue
        result = ours(args.runner, {"algorithm": "runperf", "series": [{"values": values}]})[0]
        reports = [(c["index"], c["class"]) for c in result]
        missed, extra = matches(fixture["known"], reports)
        null = not fixture["known"]["steps"] and not fixture["known"]["outliers"]
        good = not missed and not (null and reports)
        ok &= good
        print(f"{fixture['name']:<22} runperf: {reports}; known {fixture['known']}: "
              f"{'all found' if not missed else 'MISSED ' + ', '.join(missed)}"
              + (f"; other reports {extra}" if extra else ""))
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
