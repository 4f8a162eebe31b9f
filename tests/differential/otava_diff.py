#!/usr/bin/env python3
"""Differential test of `--algorithm otava` against apache-otava 0.8.0.

Generates many series (steps, drifts, single outliers, constant, short,
ties, huge and tiny values), runs Otava's compute_change_points on each
and runperf's port (the detect_json example) on the same series with the
same parameters, and compares the weak and final change-point indices and
the p-values, means and spreads (relative difference). See README.md.
"""
import argparse
import json
import math
import random
import subprocess
import sys
from collections import defaultdict

from otava.analysis import compute_change_points, split


def noise(rng, n, level, sigma):
    return [level * (1.0 + rng.gauss(0.0, sigma)) for _ in range(n)]


def gen_steps(rng):
    n = rng.randint(10, 400)
    k = rng.randint(1, 4)
    cuts = sorted(rng.sample(range(1, n), min(k, n - 1)))
    level = rng.uniform(10, 1000)
    sigma = rng.choice([0.001, 0.01, 0.03, 0.1])
    out, prev = [], 0
    for cut in cuts + [n]:
        out += noise(rng, cut - prev, level, sigma)
        level *= 1.0 + rng.choice([-1, 1]) * rng.uniform(0.005, 0.5)
        prev = cut
    return out


def gen_drift(rng):
    n = rng.randint(10, 400)
    slope = rng.uniform(-0.01, 0.01)
    sigma = rng.choice([0.001, 0.01, 0.05])
    return [100.0 * (1 + slope * i) * (1 + rng.gauss(0, sigma)) for i in range(n)]


def gen_outlier(rng):
    n = rng.randint(5, 300)
    x = noise(rng, n, 500.0, rng.choice([0.005, 0.02]))
    for _ in range(rng.randint(1, 3)):
        x[rng.randrange(n)] *= rng.choice([0.5, 0.8, 1.3, 3.0])
    return x


def gen_constant(rng):
    n = rng.randint(0, 200)
    v = rng.choice([0.0, 1.0, 42.5, -3.0, 1e9])
    x = [v] * n
    if n > 4 and rng.random() < 0.5:
        # constant on both sides of a step: zero spread
        cut = rng.randrange(1, n)
        x = [v] * cut + [v + rng.choice([1.0, 0.001, 100.0])] * (n - cut)
    return x


def gen_short(rng):
    n = rng.randint(0, 12)
    return [rng.choice([1.0, 2.0, 3.0, rng.uniform(0, 10)]) for _ in range(n)]


def gen_ties(rng):
    n = rng.randint(5, 300)
    values = rng.choice([[1.0, 2.0], [1.0, 2.0, 3.0], [0.0, 5.0, 10.0, 15.0]])
    x = [rng.choice(values) for _ in range(n)]
    if rng.random() < 0.5:
        cut = rng.randrange(1, n)
        x = x[:cut] + [v + values[-1] for v in x[cut:]]
    return x


def gen_scaled(rng):
    base = rng.choice([gen_steps, gen_drift, gen_outlier, gen_ties])(rng)
    scale = 10.0 ** rng.choice([-300, -200, -100, -30, -12, 12, 30, 100, 200, 290])
    return [v * scale for v in base]


def gen_offset(rng):
    # huge level with tiny changes: means differ in the last digits
    base = gen_steps(rng)
    return [1e12 + v * 1e-3 for v in base]


def gen_long(rng):
    # long segments: the merge pass tests with thousands of degrees of freedom
    n = rng.randint(1000, 4000)
    cut = rng.randrange(100, n - 100)
    sigma = rng.choice([0.01, 0.05])
    return noise(rng, cut, 100.0, sigma) + noise(rng, n - cut, 100.0 * rng.uniform(0.97, 1.03), sigma)


GENERATORS = {
    "long": gen_long,
    "steps": gen_steps,
    "drift": gen_drift,
    "outlier": gen_outlier,
    "constant": gen_constant,
    "short": gen_short,
    "ties": gen_ties,
    "scaled": gen_scaled,
    "offset": gen_offset,
}

PARAMS = [
    (50, 0.001, 0.0),
    (30, 0.001, 0.0),
    (2, 0.001, 0.0),
    (3, 0.01, 0.0),
    (10, 0.05, 0.0),
    (20, 0.2, 0.0),
    (50, 0.6, 0.0),
    (50, 0.001, 0.05),
    (100, 0.01, 0.01),
    (500, 0.001, 0.0),
    (4, 0.001, 0.0),
]


def first_pass_pvalue(max_pvalue):
    # as compute_change_points derives it
    if max_pvalue < 0.05:
        return max_pvalue * 10
    return max_pvalue * 2 if max_pvalue < 0.5 else max_pvalue


def as_float(v):
    if isinstance(v, str):
        return float(v)
    return float(v)


def rel(a, b):
    a, b = as_float(a), as_float(b)
    if math.isnan(a) and math.isnan(b):
        return 0.0
    if a == b:
        return 0.0
    if math.isnan(a) or math.isnan(b) or math.isinf(a) or math.isinf(b):
        return math.inf
    return abs(a - b) / max(abs(a), abs(b))


def otava_points(points):
    return [
        [int(c.index), float(c.stats.pvalue), float(c.stats.mean_1), float(c.stats.mean_2),
         float(c.stats.std_1), float(c.stats.std_2)]
        for c in points
    ]


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--runner", required=True, help="path of the built detect_json example")
    ap.add_argument("--count", type=int, default=3000, help="series to generate")
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()

    rng = random.Random(args.seed)
    groups = defaultdict(list)
    kinds = list(GENERATORS)
    for i in range(args.count):
        kind = kinds[i % len(kinds)]
        params = PARAMS[rng.randrange(len(PARAMS))]
        groups[params].append((kind, GENERATORS[kind](rng)))

    total = index_ok = weak_ok = 0
    max_p = max_stat = max_sub = 0.0
    worst = None
    mismatches = []
    by_kind = defaultdict(lambda: [0, 0])
    for (window, max_pvalue, min_magnitude), items in groups.items():
        expected = []
        for _, series in items:
            cps, _ = compute_change_points(list(series), window_len=window, max_pvalue=max_pvalue,
                                           min_magnitude=min_magnitude)
            # Otava's merge step deletes from the weak list it returns, so
            # the weak points are taken from a split of their own.
            weak = split(list(series), window, first_pass_pvalue(max_pvalue))
            expected.append({"weak": otava_points(weak), "change_points": otava_points(cps)})
        request = {"window": window, "max_pvalue": max_pvalue, "min_magnitude": min_magnitude,
                   "series": [s for _, s in items]}
        out = subprocess.run([args.runner], input=json.dumps(request), capture_output=True, text=True)
        if out.returncode != 0:
            sys.exit(f"{args.runner} failed: {out.stderr}")
        got = json.loads(out.stdout)
        for (kind, series), want, have in zip(items, expected, got):
            total += 1
            by_kind[kind][0] += 1
            same = [c[0] for c in want["change_points"]] == [c[0] for c in have["change_points"]]
            same_weak = [c[0] for c in want["weak"]] == [c[0] for c in have["weak"]]
            index_ok += same
            weak_ok += same_weak
            by_kind[kind][1] += same and same_weak
            if not (same and same_weak):
                mismatches.append((kind, (window, max_pvalue, min_magnitude), series, want, have))
                continue
            for part in ("weak", "change_points"):
                for w, h in zip(want[part], have[part]):
                    a, b = as_float(w[1]), as_float(h[1])
                    if max(abs(a), abs(b)) < sys.float_info.min:
                        # subnormal p-values hold a few digits only: their
                        # difference is taken relative to the smallest
                        # normal double instead
                        max_sub = max(max_sub, abs(a - b) / sys.float_info.min)
                        continue
                    d = rel(a, b)
                    if d > max_p:
                        max_p, worst = d, (kind, w, h)
                    max_stat = max(max_stat, *(rel(a, b) for a, b in zip(w[2:], h[2:])))

    print(f"series: {total}")
    print(f"final change-point indices identical: {index_ok}/{total}")
    print(f"weak change-point indices identical: {weak_ok}/{total}")
    print(f"max relative p-value difference (normal doubles): {max_p:.3g}")
    print(f"max relative difference of means and spreads: {max_stat:.3g}")
    print(f"max difference of subnormal p-values (below {sys.float_info.min:.3g}), "
          f"relative to that smallest normal double: {max_sub:.3g}")
    for kind, (n, ok) in sorted(by_kind.items()):
        print(f"  {kind}: {ok}/{n} identical")
    if worst and max_p > 1e-9:
        print(f"worst p-value: {worst}")
    for kind, params, series, want, have in mismatches[:5]:
        print(f"MISMATCH {kind} {params} n={len(series)}")
        print(f"  otava:   {[c[0] for c in want['change_points']]} weak {[c[0] for c in want['weak']]}")
        print(f"  runperf: {[c[0] for c in have['change_points']]} weak {[c[0] for c in have['weak']]}")
        print(f"  series: {json.dumps(series)}")
    ok = index_ok == total and weak_ok == total and max_p <= 1e-9 and max_sub <= 1e-9
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
