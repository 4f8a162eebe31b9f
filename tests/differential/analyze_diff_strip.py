#!/usr/bin/env python3
"""Differential test of analyze-perf, diff-perf and strip-run-perf against
the reference (runperf 1.2) on generated corpora. Not run in CI.

usage: analyze_diff_strip.py [--seeds N] [--first S] [--rust DIR] [--python DIR]

--rust: directory of our binaries (default /work/target-analyze/release)
--python: directory of the reference scripts (default: the pyenv bin dir)

Per seed it compares: analyze-perf models (-l, -s) and CSV, with the
default and a given tolerance, and a rebase; diff-perf exit codes over
several candidate sets, groups and flatten coefficients; strip-run-perf
trees (plain, -i, -s) byte for byte. Prints every mismatch and a summary.
"""
import argparse
import filecmp
import json
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))


def run(cmd):
    proc = subprocess.run(cmd, stdout=subprocess.DEVNULL,
                          stderr=subprocess.DEVNULL, check=False)
    return proc.returncode


def numbers_close(exp, act, rel=1e-9):
    """Structural JSON comparison, floats to `rel` relative."""
    if isinstance(exp, float) and isinstance(act, (int, float)):
        if exp != exp:
            return act != act
        return abs(exp - act) <= rel * max(abs(exp), abs(act)) or exp == act
    if isinstance(exp, dict) and isinstance(act, dict):
        return (list(exp) == list(act) and
                all(numbers_close(exp[k], act[k], rel) for k in exp))
    if isinstance(exp, list) and isinstance(act, list):
        return (len(exp) == len(act) and
                all(numbers_close(e, a, rel) for e, a in zip(exp, act)))
    return exp == act and type(exp) is type(act)


class Tally:
    def __init__(self):
        self.counts = {}

    def check(self, kind, ok, what):
        passed, total = self.counts.get(kind, (0, 0))
        self.counts[kind] = (passed + bool(ok), total + 1)
        if not ok:
            print(f"MISMATCH {kind}: {what}")


def compare_outputs(tally, kind, py_files, rs_files, label):
    for py_f, rs_f in zip(py_files, rs_files):
        if not os.path.exists(py_f) or not os.path.exists(rs_f):
            tally.check(kind, os.path.exists(py_f) == os.path.exists(rs_f),
                        f"{label}: {os.path.basename(py_f)} existence")
            continue
        if filecmp.cmp(py_f, rs_f, shallow=False):
            tally.check(kind + " (bytes)", True, label)
            continue
        tally.check(kind + " (bytes)", False, f"{label}: {os.path.basename(py_f)}")
        if py_f.endswith(".json"):
            with open(py_f) as a, open(rs_f) as b:
                close = numbers_close(json.load(a), json.load(b))
            tally.check(kind + " (1e-9)", close, label)


def analyze(tally, py, rs, builds, tmp, seed):
    variants = [("default", []), ("t8", ["-t", "8"])]
    for name, extra in variants:
        outs = {}
        for impl, bindir in (("py", py), ("rs", rs)):
            base = os.path.join(tmp, f"an_{name}_{impl}")
            files = [base + "_l.json", base + "_s.json", base + ".csv"]
            code = run([os.path.join(bindir, "analyze-perf"), *extra,
                        "-l", files[0], "-s", files[1], "-c", files[2],
                        "--", *builds])
            outs[impl] = (code, files)
        tally.check("analyze exit", outs["py"][0] == outs["rs"][0],
                    f"seed {seed} {name}: {outs['py'][0]} vs {outs['rs'][0]}")
        compare_outputs(tally, "analyze", outs["py"][1], outs["rs"][1],
                        f"seed {seed} {name}")
    # Rebase the reference's stddev model of the first half on the rest.
    half = len(builds) // 2
    base_model = os.path.join(tmp, "base_model.json")
    run([os.path.join(py, "analyze-perf"), "-s", base_model, "--",
         *builds[:half]])
    outs = {}
    for impl, bindir in (("py", py), ("rs", rs)):
        files = [os.path.join(tmp, f"rebased_{impl}_l.json"),
                 os.path.join(tmp, f"rebased_{impl}_s.json")]
        run([os.path.join(bindir, "analyze-perf"), "-l", files[0], "-s",
             files[1], "--rebase-model", base_model, "--", *builds[half:]])
        outs[impl] = files
    compare_outputs(tally, "rebase", outs["py"], outs["rs"], f"seed {seed}")


def diff(tally, py, rs, builds, seed):
    sets = [
        ["--", *builds],
        ["--", builds[1], *builds],
        ["--flatten-coefficient", "3", "--", builds[2], *builds[3:], builds[0]],
        ["-g", *builds[1:3], "-g", *builds[3:], "--", builds[0], builds[4]],
        ["--", builds[0], builds[0], builds[0]],
        ["--", builds[0], builds[1]],
    ]
    for args in sets:
        codes = [run([os.path.join(d, "diff-perf"), *args]) for d in (py, rs)]
        label = " ".join(os.path.basename(a) for a in args)
        tally.check("diff exit", codes[0] == codes[1],
                    f"seed {seed} [{label}]: {codes[0]} vs {codes[1]}")
        if codes[0] != 255:
            tally.check("diff exit, index", codes[0] == codes[1], label)


def strip(tally, py, rs, builds, tmp, seed):
    for flags in ([], ["-i"], ["-s"]):
        for build in builds:
            name = os.path.basename(build) + "".join(flags)
            dsts = [os.path.join(tmp, f"strip_{impl}", name) for impl in ("py", "rs")]
            codes = [run([os.path.join(d, "strip-run-perf"), *flags, build, dst])
                     for d, dst in zip((py, rs), dsts)]
            same = codes[0] == codes[1] and same_tree(*dsts)
            tally.check("strip tree", same, f"seed {seed} {name}")


def same_tree(left, right):
    cmp = filecmp.dircmp(left, right)
    if cmp.left_only or cmp.right_only or cmp.funny_files:
        return False
    _, mismatch, errors = filecmp.cmpfiles(left, right, cmp.common_files,
                                           shallow=False)
    if mismatch or errors:
        return False
    return all(same_tree(os.path.join(left, d), os.path.join(right, d))
               for d in cmp.common_dirs)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--first", type=int, default=1)
    parser.add_argument("--builds", type=int, default=6)
    parser.add_argument("--rust", default="/work/target-analyze/release")
    parser.add_argument("--python", default=os.path.dirname(sys.executable))
    args = parser.parse_args()
    tally = Tally()
    for seed in range(args.first, args.first + args.seeds):
        with tempfile.TemporaryDirectory() as tmp:
            corpus = os.path.join(tmp, "corpus")
            subprocess.run([sys.executable,
                            os.path.join(HERE, "gen_corpus_analyze.py"),
                            str(seed), corpus, str(args.builds)], check=True)
            builds = sorted(os.path.join(corpus, b) for b in os.listdir(corpus))
            analyze(tally, args.python, args.rust, builds, tmp, seed)
            diff(tally, args.python, args.rust, builds, seed)
            strip(tally, args.python, args.rust, builds, tmp, seed)
    print("\nsummary (seeds %d..%d):" % (args.first, args.first + args.seeds - 1))
    failed = False
    for kind, (passed, total) in sorted(tally.counts.items()):
        print(f"  {kind:20s} {passed}/{total}")
        failed |= passed != total
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
