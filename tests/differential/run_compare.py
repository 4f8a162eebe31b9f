#!/usr/bin/env python3
"""Differential test: our compare-perf against runperf 1.2's.

Usage: run_compare.py [--ours BIN] [--ref BIN] [--keep DIR] SEED [SEED...]

For each seed: generate a corpus (gen_corpus.py), run both implementations
with the same random options (-v, --xunit) and compare the exit codes,
every per-check line (status and score to 0.01, plus how many lines are
byte-identical) and the xunit verdicts. Not run in CI (needs the Python
reference: pip install runperf==1.2).
"""
import argparse
import collections
import json
import os
import re
import subprocess
import sys
import tempfile
import xml.dom.minidom

HERE = os.path.dirname(os.path.abspath(__file__))
LINE = re.compile(r"^(?:INFO |ERROR)\| (PASS|FAIL|ERR ): (\S+) (\S+) \((.*)\)$")


def checks(stderr):
    out = []
    for line in stderr.splitlines():
        match = LINE.match(line)
        if match:
            status, name, score, _ = match.groups()
            out.append((name, status, float(score), line))
    return out


def xunit_verdicts(path):
    doc = xml.dom.minidom.parse(path)
    out = collections.Counter()
    for case in doc.getElementsByTagName("testcase"):
        kinds = [n.tagName for n in case.childNodes if n.nodeType == n.ELEMENT_NODE]
        out[(case.getAttribute("classname"), case.getAttribute("name"),
             kinds[0] if kinds else "pass")] += 1
    suite = doc.getElementsByTagName("testsuite")[0]
    counts = tuple(suite.getAttribute(a) for a in ("tests", "errors", "failures", "skipped"))
    return out, counts


def run(cmd, args, xunit):
    proc = subprocess.run(cmd + ["-v", "--xunit", xunit] + args,
                          capture_output=True, text=True, check=False)
    return proc.returncode, proc.stderr


def compare_seed(seed, ours, ref, python, workdir):
    corpus = os.path.join(workdir, f"corpus_{seed}")
    subprocess.run([python, os.path.join(HERE, "gen_corpus.py"), str(seed), corpus],
                   check=True)
    with open(os.path.join(corpus, "args.json")) as fd:
        args = json.load(fd)
    ref_code, ref_err = run([ref], args, os.path.join(corpus, "ref.xunit"))
    our_code, our_err = run([ours], args, os.path.join(corpus, "our.xunit"))
    problems = []
    if ref_code != our_code:
        problems.append(f"exit code: reference {ref_code}, ours {our_code}")
    ref_checks = sorted(checks(ref_err))
    our_checks = sorted(checks(our_err))
    if len(ref_checks) != len(our_checks):
        problems.append(f"check lines: reference {len(ref_checks)}, ours {len(our_checks)}")
    mismatched = 0
    identical = 0
    for (rn, rs, rv, rl), (on, os_, ov, ol) in zip(ref_checks, our_checks):
        if rn != on or rs != os_ or abs(rv - ov) > 0.01:
            mismatched += 1
            if mismatched <= 5:
                problems.append(f"  ref: {rl}\n  our: {ol}")
        if rl.split("| ", 1)[1] == ol.split("| ", 1)[1]:
            identical += 1
    if mismatched:
        problems.append(f"{mismatched} checks differ in status/score")
    if ref_code in (0, 2, 3):
        ref_x = xunit_verdicts(os.path.join(corpus, "ref.xunit"))
        our_x = xunit_verdicts(os.path.join(corpus, "our.xunit"))
        if ref_x != our_x:
            problems.append(f"xunit differs: counts {ref_x[1]} vs {our_x[1]}")
    return {"seed": seed, "exit": ref_code, "checks": len(ref_checks),
            "identical_lines": identical, "problems": problems}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("seeds", nargs="+", type=int)
    parser.add_argument("--ours", default=os.path.join(
        os.environ.get("CARGO_TARGET_DIR", os.path.join(HERE, "..", "..", "target")),
        "release", "compare-perf"))
    parser.add_argument("--ref", default="compare-perf-ref")
    parser.add_argument("--python", default=sys.executable)
    parser.add_argument("--keep", help="keep corpora in this dir")
    args = parser.parse_args()
    workdir = args.keep or tempfile.mkdtemp(prefix="runperf-diff-")
    failed = 0
    total_checks = 0
    for seed in args.seeds:
        result = compare_seed(seed, args.ours, args.ref, args.python, workdir)
        total_checks += result["checks"]
        status = "OK" if not result["problems"] else "DIFF"
        failed += bool(result["problems"])
        print(f"seed {seed}: {status} exit={result['exit']} checks={result['checks']} "
              f"identical_lines={result['identical_lines']}")
        for problem in result["problems"]:
            print("   ", problem)
    print(f"{len(args.seeds) - failed}/{len(args.seeds)} seeds identical, "
          f"{total_checks} check lines compared")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
