#!/usr/bin/env python3
"""Time per series of `--algorithm otava` against apache-otava 0.8.0 on the
same series, and check that both give the same change points.

Usage: otava_speed.py --runner PATH [--window 30] [--copies 500] [SERIES.json...]

PATH is the built `detect_series` example; run this with a Python that has
apache-otava 0.8.0. Each SERIES.json is a file of tests/fixtures/detect
(its "values"); without any, a generated 365-value series with two steps
and an outlier is used. apache-otava's time is the median of 20 calls of
compute_change_points; ours is the engine's time for COPIES copies of the
series in one detection, on one thread (RAYON_NUM_THREADS=1), divided by
COPIES.
"""
import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import time

from otava.analysis import compute_change_points


def generated():
    rng = random.Random(365)
    x = [1000 * (1 + rng.gauss(0, 0.01)) for _ in range(365)]
    for i in range(120, 365):
        x[i] *= 0.95
    for i in range(250, 365):
        x[i] *= 1.04
    x[60] *= 1.3
    return "generated 365 values", x


def ours(runner, values, window, copies):
    request = {"algorithm": "otava", "window": window,
               "series": [{"values": values}] * copies}
    env = dict(os.environ, RAYON_NUM_THREADS="1")
    out = subprocess.run([runner], input=json.dumps(request), capture_output=True, text=True, env=env)
    if out.returncode != 0:
        sys.exit(f"{runner} failed: {out.stderr}")
    got = json.loads(out.stdout)
    first = [c["index"] for c in got["results"][0]]
    if any([c["index"] for c in r] != first for r in got["results"]):
        sys.exit("copies of one series gave different change points")
    return first, got["seconds"] / copies


def apache(values, window):
    times = []
    for _ in range(20):
        start = time.perf_counter()
        cps, _ = compute_change_points(list(values), window_len=window)
        times.append(time.perf_counter() - start)
    return [int(c.index) for c in cps], statistics.median(times)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runner", required=True)
    ap.add_argument("--window", type=int, default=30)
    ap.add_argument("--copies", type=int, default=500)
    ap.add_argument("series", nargs="*")
    args = ap.parse_args()
    cases = [generated()]
    for path in args.series:
        with open(path) as f:
            cases.append((os.path.basename(path), json.load(f)["values"]))
    ok = True
    print(f"{'series':<28} {'n':>5} {'apache-otava':>13} {'ours':>10} {'speedup':>8}  same points")
    for name, values in cases:
        want, t_apache = apache(values, args.window)
        have, t_ours = ours(args.runner, values, args.window, args.copies)
        same = want == have
        ok &= same and t_apache >= 100 * t_ours
        print(f"{name:<28} {len(values):>5} {t_apache * 1e3:>10.2f} ms {t_ours * 1e6:>7.1f} us "
              f"{t_apache / t_ours:>7.0f}x  {'yes' if same else f'NO: {want} vs {have}'}")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
