#!/usr/bin/env python3
"""Build a bench corpus from the reference's own result files.

Usage: replicate_fixtures.py OUTDIR [--builds 20] [--tests 150] [--timeseries 40]

A corpus made by another hand than gen_corpus.py: every result.json is one
of the real pbench/fio results of tests/fixtures/upstream (written by
run-perf itself: real keys, clients, samples, timeseries), with each
mean/stddevpct perturbed by a few percent per build and each sample's
timeseries cut to its first N points (the originals are ~330 KB each).
Builds get 2 profiles x TESTS tests, serial 0000; build_00 is the source.
"""
import argparse
import glob
import json
import os
import random

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.join(HERE, "..", "tests", "fixtures", "upstream", "results")


def perturb(node, rng, timeseries):
    """Perturbs means/stddevpct and trims timeseries, in place."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("mean", "stddevpct") and isinstance(value, (int, float)):
                node[key] = value * (1 + rng.gauss(0, 0.03))
            elif key == "timeseries" and isinstance(value, list):
                node[key] = value[:timeseries]
            else:
                perturb(value, rng, timeseries)
    elif isinstance(node, list):
        for item in node:
            perturb(item, rng, timeseries)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("outdir")
    parser.add_argument("--builds", type=int, default=20)
    parser.add_argument("--tests", type=int, default=150)
    parser.add_argument("--timeseries", type=int, default=40)
    args = parser.parse_args()
    sources = sorted(glob.glob(os.path.join(FIXTURES, "*", "result_*", "*", "*", "0000",
                                            "result.json")))
    results = [json.load(open(path)) for path in sources]
    metadata = sorted(glob.glob(os.path.join(FIXTURES, "*", "result_*", "RUNPERF_METADATA")))[0]
    for build in range(args.builds):
        bdir = os.path.join(args.outdir, f"build_{build:02d}")
        os.makedirs(bdir, exist_ok=True)
        with open(metadata) as src, open(os.path.join(bdir, "RUNPERF_METADATA"), "w") as dst:
            dst.write(src.read())
        for profile in ("Localhost", "Localhost2"):
            for test in range(args.tests):
                rng = random.Random(f"{build}/{profile}/{test}")
                data = json.loads(json.dumps(results[(test * 7 + len(profile)) % len(results)]))
                perturb(data, rng, args.timeseries)
                tdir = os.path.join(bdir, profile, f"fio{test}", "0000")
                os.makedirs(tdir, exist_ok=True)
                with open(os.path.join(tdir, "result.json"), "w") as fd:
                    json.dump(data, fd, indent=4 if test % 5 == 0 else None)


if __name__ == "__main__":
    main()
