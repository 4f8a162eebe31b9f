#!/usr/bin/env python3
"""Quality benchmark of change-point detection: runperf's two algorithms
and apache-otava 0.8.0 on the same generated series.

Usage: detect_quality.py --runner PATH [--count 2000] [--seed 1] [--tolerance 3]
                         [--json OUT]

PATH is the built `detect_series` example. Run it with a Python that has
apache-otava 0.8.0 (`pip install apache-otava==0.8.0`). The generator is
seeded: the same seed gives the same series.

Series (each value is the mean of its build's runs, the runs given to
`--algorithm runperf` as samples, as a store holds them; the Otava modes
see the means only):
  - null:    noise only;
  - outlier: noise and one build off by 10 to 40 %;
  - drift:   noise and a slow linear drift of 2 to 6 % over the series;
  - step:    one step of 1 to 10 % (either way), sometimes with an outlier;
  - multi:   2 or 3 steps of 1 to 10 %, at least 15 builds apart.
Noise: a run's spread (CV) log-uniform in 0.5 to 5 %, 3 or 5 runs per
build, and on top a build-to-build spread of 0 to 1 times the run's.

Scoring. A report matches a planted step when its index (first build
after the change) is within --tolerance builds of the step's; each step
matches one report at most (the closest first). Matched reports are true
positives, planted steps left unmatched false negatives; every other
report is a false positive, except a runperf `outlier` report on a
planted outlier (a correct outlier, counted apart). Drift series have no
true change either way: they are left out of precision and recall and
their reports are counted apart. The false-alarm rate is the share of
null series with any report.
"""
import argparse
import json
import math
import random
import subprocess
import sys
import time

from otava.analysis import compute_change_points

KINDS = [("null", 0.30), ("outlier", 0.10), ("drift", 0.10), ("step", 0.30), ("multi", 0.20)]


def pick_kind(rng):
    u, acc = rng.random(), 0.0
    for kind, share in KINDS:
        acc += share
        if u < acc:
            return kind
    return KINDS[-1][0]


def generate(rng, kind):
    """One series: dict with values, samples, steps, outliers, noise."""
    n = rng.choice([50, 100, 200, 400])
    level = 10 ** rng.uniform(2, 5)
    cv = math.exp(rng.uniform(math.log(0.005), math.log(0.05)))
    runs = rng.choice([3, 3, 5])
    between = cv * rng.choice([0.0, 0.5, 1.0])
    steps, outliers = [], []
    factor = [1.0] * n
    if kind in ("step", "multi"):
        count = 1 if kind == "step" else rng.choice([2, 3])
        while len(steps) < count:
            steps = []
            for _ in range(count):
                at = rng.randrange(5, n - 5)
                if all(abs(at - s) >= 15 for s in steps):
                    steps.append(at)
        steps.sort()
        for at in steps:
            size = rng.uniform(0.01, 0.10) * rng.choice([-1, 1])
            for i in range(at, n):
                factor[i] *= 1 + size
    if kind == "drift":
        total = rng.uniform(0.02, 0.06) * rng.choice([-1, 1])
        factor = [f * (1 + total * i / (n - 1)) for i, f in enumerate(factor)]
    if kind == "outlier" or (kind == "step" and rng.random() < 0.2):
        at = rng.randrange(n)
        while any(abs(at - s) <= 1 for s in steps):
            at = rng.randrange(n)
        outliers.append(at)
    values, samples = [], []
    for i in range(n):
        build = level * factor[i] * (1 + rng.gauss(0, between))
        if i in outliers:
            build *= 1 + rng.uniform(0.10, 0.40) * rng.choice([-1, 1])
        runs_i = [build * (1 + rng.gauss(0, cv)) for _ in range(runs)]
        samples.append(runs_i)
        values.append(sum(runs_i) / runs)
    sizes = []
    for k, at in enumerate(steps):
        before, after = factor[at - 1], factor[at]
        sizes.append(abs(after / before - 1))
    return {"kind": kind, "values": values, "samples": samples, "steps": steps,
            "sizes": sizes, "outliers": outliers, "cv": cv}


def run_ours(runner, series, algorithm):
    request = {"algorithm": algorithm,
               "series": [{"values": s["values"],
                           "samples": s["samples"] if algorithm == "runperf" else None,
                           "better": "higher"} for s in series]}
    out = subprocess.run([runner], input=json.dumps(request), capture_output=True, text=True)
    if out.returncode != 0:
        sys.exit(f"{runner} failed: {out.stderr}")
    got = json.loads(out.stdout)
    reports = []
    for r in got["results"]:
        if isinstance(r, dict):  # skipped: too short
            reports.append([])
        else:
            reports.append([(c["index"], c["class"]) for c in r])
    return reports, got["seconds"]


def run_apache(series):
    reports = []
    start = time.perf_counter()
    for s in series:
        cps, _ = compute_change_points(list(s["values"]), window_len=50, max_pvalue=0.001,
                                       min_magnitude=0.0)
        reports.append([(int(c.index), "step") for c in cps])
    return reports, time.perf_counter() - start


def score(series, reports, tolerance):
    tp = fp = fn = 0
    outliers_found = 0
    null_alarms = nulls = 0
    outlier_step_alarms = outlier_series = 0
    drift_alarms = drifts = 0
    by_ratio = {}
    for s, found in zip(series, reports):
        if s["kind"] == "drift":
            drifts += 1
            drift_alarms += bool(found)
            continue
        if s["kind"] == "null":
            nulls += 1
            null_alarms += bool(found)
        if s["kind"] == "outlier":
            outlier_series += 1
            outlier_step_alarms += any(cls == "step" for _, cls in found)
        remaining = list(found)
        # correct outliers first
        for o in s["outliers"]:
            if (o, "outlier") in remaining:
                remaining.remove((o, "outlier"))
                outliers_found += 1
        pairs = sorted((abs(i - at), k, j) for k, at in enumerate(s["steps"])
                       for j, (i, cls) in enumerate(remaining)
                       if cls == "step" and abs(i - at) <= tolerance)
        used_steps, used_reports = set(), set()
        for _, k, j in pairs:
            if k not in used_steps and j not in used_reports:
                used_steps.add(k)
                used_reports.add(j)
        tp += len(used_steps)
        fn += len(s["steps"]) - len(used_steps)
        fp += len(remaining) - len(used_reports)
        for k, size in enumerate(s["sizes"]):
            ratio = size / s["cv"]
            band = "<1" if ratio < 1 else "1-2" if ratio < 2 else "2-4" if ratio < 4 else ">=4"
            hit, total = by_ratio.get(band, (0, 0))
            by_ratio[band] = (hit + (k in used_steps), total + 1)
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"tp": tp, "fp": fp, "fn": fn, "precision": precision, "recall": recall, "f1": f1,
            "null_alarm_rate": null_alarms / nulls if nulls else 0.0, "nulls": nulls,
            "null_alarms": null_alarms, "outlier_series": outlier_series,
            "outlier_series_with_step": outlier_step_alarms, "outliers_found": outliers_found,
            "drifts": drifts, "drift_series_with_report": drift_alarms,
            "recall_by_step_over_cv": {b: by_ratio.get(b, (0, 0)) for b in ["<1", "1-2", "2-4", ">=4"]}}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runner", required=True, help="the built detect_series example")
    ap.add_argument("--count", type=int, default=2000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--tolerance", type=int, default=3, help="builds between a report and its step")
    ap.add_argument("--json", help="write the scores here too")
    args = ap.parse_args()

    rng = random.Random(args.seed)
    series = [generate(rng, pick_kind(rng)) for _ in range(args.count)]
    planted = sum(len(s["steps"]) for s in series)
    outliers = sum(len(s["outliers"]) for s in series)
    print(f"{args.count} series (seed {args.seed}), {planted} planted steps, {outliers} planted "
          f"outliers, tolerance ±{args.tolerance} builds")

    runs = {}
    runs["runperf"] = run_ours(args.runner, series, "runperf")
    runs["otava (ours)"] = run_ours(args.runner, series, "otava")
    runs["apache-otava 0.8.0"] = run_apache(series)
    same = sum(a == b for a, b in zip(runs["otava (ours)"][0], runs["apache-otava 0.8.0"][0]))

    header = (f"{'mode':<20} {'TP':>5} {'FP':>5} {'FN':>5} {'precision':>9} {'recall':>7} "
              f"{'F1':>6} {'null alarms':>13} {'outlier→step':>13} {'drift→any':>10} {'seconds':>8}")
    print(header)
    scores = {}
    for name, (reports, seconds) in runs.items():
        s = score(series, reports, args.tolerance)
        scores[name] = dict(s, seconds=seconds)
        print(f"{name:<20} {s['tp']:>5} {s['fp']:>5} {s['fn']:>5} {s['precision']:>9.3f} "
              f"{s['recall']:>7.3f} {s['f1']:>6.3f} {s['null_alarms']:>6}/{s['nulls']:<6} "
              f"{s['outlier_series_with_step']:>6}/{s['outlier_series']:<6} "
              f"{s['drift_series_with_report']:>4}/{s['drifts']:<5} {seconds:>8.3f}")
    print("null alarms: " + ", ".join(f"{n} {s['null_alarms']}/{s['nulls']} = {s['null_alarm_rate']:.3f}"
                                      for n, s in scores.items()))
    print("recall by step size over the run CV (found/planted):")
    for name, s in scores.items():
        print(f"  {name:<20} " + "  ".join(f"{b}: {h}/{t}" for b, (h, t) in s["recall_by_step_over_cv"].items()))
    print(f"runperf outliers reported on planted outliers: {scores['runperf']['outliers_found']}/{outliers}")
    print(f"otava (ours) = apache-otava indices on {same}/{len(series)} series")
    r, o = scores["runperf"], scores["apache-otava 0.8.0"]
    verdict = r["f1"] > o["f1"] and r["null_alarm_rate"] <= o["null_alarm_rate"]
    print(f"runperf F1 {r['f1']:.3f} vs apache-otava {o['f1']:.3f}, null alarms "
          f"{r['null_alarm_rate']:.3f} vs {o['null_alarm_rate']:.3f}: "
          f"{'target met' if verdict else 'TARGET MISSED'}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"count": args.count, "seed": args.seed, "tolerance": args.tolerance,
                       "otava_identical": same, "scores": scores}, f, indent=1)
    sys.exit(0 if verdict and same == len(series) else 1)


if __name__ == "__main__":
    main()
