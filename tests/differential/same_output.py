#!/usr/bin/env python3
"""Byte-for-byte regression check between two builds of our compare-perf.

Usage: same_output.py --base BIN --new BIN [--keep DIR] [--corpus DIR...] SEED...

Performance work must not change any output. For each seed a corpus is
generated (gen_corpus.py) and, on a copy, a set of hand-broken result files
is added (truncated, NaN, escapes, duplicate keys, odd nesting, invalid
UTF-8...). Both binaries run with the corpus's options, quiet and with -v,
writing --log, --xunit, --json, --markdown and --html, and once more with
only the target's reports (--log, --xunit, --markdown); exit codes,
stdout, stderr and every written file must be byte-identical. Extra corpora
(directories of builds, e.g. the reference fixtures) are compared with
default options. Not run in CI (it needs two binaries).
"""
import argparse
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.join(HERE, "..", "fixtures", "upstream", "results")

# Bodies that break or stress the result.json reader, written over
# randomly chosen result files of a corpus copy.
BROKEN = [
    b"",
    b"   ",
    b"[",
    b"[]",
    b"{}",
    b"null",
    b"[1, 2]",
    b'[{"iteration_name": "x"}]',
    b'[{"iteration_name": "x", "iteration_data": {}}]',
    b'[{"iteration_name": "x", "iteration_data": {"parameters": {}}}] x',
    b'[{"iteration_name": "x", "iteration_data": {"parameters": {}}},]',
    b'[{"iteration_name": "x", "iteration_name": "y", "iteration_data": {"parameters": {}}}]',
    b'[["x", {"parameters": {}, "throughput": {"a": [{"client_hostname": "all", "mean": 1, "stddevpct": 2}]}}]]',
    b'[{"iteration_name": "x", "iteration_data": {"parameters": {"benchmark": [{"primary_metric": "a", "k": [1, {"z": null}]}]},'
    b' "throughput": {"a": [{"client_hostname": "all", "mean": NaN, "stddevpct": 2}]}}}]',
    b'[{"iteration_name": "x", "iteration_data": {"parameters": {"benchmark": [{"primary_metric": "a"}]},'
    b' "throughput": {"a": [{"client_hostname": "all", "mean": 1, "stddevpct": 2, "samples": [1, Infinity]}]}}}]',
    b'[{"iteration_name": "x", "iteration_data": {"parameters": {"benchmark": [{"primary_metric": "a"}]},'
    b' "throughput": {"a": [{"client_hostname": "all", "mean": 1, "mean": 2, "stddevpct": 2}]}}}]',
    b'[{"iteration_name": "x\\u002d1", "iteration_data": {"parameters": {"benchmark": [{"primary_metric": "a\\tb"}]},'
    b' "throughput": {"a\\u0062": [{"client_hostname": "\\u0061ll", "me\\u0061n": 1e2, "stddevpct": -0.0}]}}}]',
    b'[{"iteration_name": "x", "iteration_data": {"parameters": {"benchmark": [{"primary_metric": "a"}]},'
    b' "latency": {"a": [{"client_hostname": "all", "mean": 01, "stddevpct": 2}]}}}]',
    b'[{"iteration_name": "x", "iteration_data": {"parameters": {"benchmark": [{"primary_metric": "a"}]},'
    b' "latency": {"a": [{"client_hostname": "all", "mean": 1.5e400, "stddevpct": 2}]}}}]',
    b'[{"iteration_name": "x", "iteration_data": {"parameters": {"benchmark": [{"primary_metric": "a"}]},'
    b' "latency": {"a": [{"client_hostname": "all", "mean": 18446744073709551616, "stddevpct": 9223372036854775808,'
    b' "samples": [{"v": "\xff\xfe", "t": [1.]}]}]}}}]',
    b'[{"iteration_name": "x", "iteration_data": {"parameters": {"benchmark": [{"primary_metric": "a"}]},'
    b' "latency": {"a": [{"client_hostname": "all", "mean": 1, "stddevpct": 2, "samples": "tab\there"}]}}}]',
    b'[{"iteration_name": "caf\xc3\xa9-\xc2\x9b", "iteration_data": {"parameters": {"benchmark": [{"primary_metric": "a\x1b[31m"}]},'
    b' "latency": {"a\x1b[31m": [{"client_hostname": "all", "mean": "12", "stddevpct": null}], "b": [{"mean": 3}]},'
    b' "throughput": null}}]',
    # Terminal controls in names (escaped by the log formatter).
    b'[{"iteration_name": "caf\xc3\xa9-\xc2\x9b\\u007f", "iteration_data": {"parameters": {"benchmark": [{"primary_metric": "a\\u001b[31m"}]},'
    b' "latency": {"a\\u001b[31m": [{"client_hostname": "all", "mean": 12, "stddevpct": 1}], "b\\u0007": [{"client_hostname": "all", "mean": 3, "stddevpct": 1}]},'
    b' "throughput": null}}]',
    b'[{"iteration_name": "x", "iteration_data": {"parameters": {"benchmark": [{"primary_metric": "a"}]},'
    b' "throughput": {"a": [{"client_hostname": "all", "mean": 1, "stddevpct": 2, "samples": ' + b"[" * 200 + b"]" * 200 + b"}]}}}]",
    b'[{"iteration_name": "x", "iteration_data": {"parameters": {"benchmark": [{"primary_metric": "a"}]},'
    b' "throughput": {"a": [{"client_hostname": "all", "mean": 1, "stddevpct": 2, "samples": [{"a": [true, false, null, -1.5E-3, 0, "\\"\\\\\\/\\b\\f\\n\\r\\t\\ud800"]}]}]}}}]',
    b'[{"iteration_name": "x", "iteration_data": {"parameters": {"benchmark": [{"primary_metric": "a"}]},'
    b' "throughput": {"a": [{"client_hostname": "all", "mean": 1, "stddevpct": 2, "samples": [tru]}]}}}]',
    b'[{"iteration_name": "x", "iteration_data": {"parameters": {"benchmark": [{"primary_metric": "a"}]},'
    b' "throughput": {"a": [{"client_hostname": "all", "mean": 1, "stddevpct": 2, "samples": [1.]}]}}}]',
    b'[{"iteration_name": "x", "iteration_data": {"parameters": {"benchmark": [{"primary_metric": "a"}]},'
    b' "throughput": {"a": [{"client_hostname": "all", "mean": 1, "stddevpct": 2, "samples": {"k" 1}}]}}}]',
    b'\xef\xbb\xbf[]',
    b'[{"iteration_name": "x", "iteration_data": {"parameters": {"benchmark": [{"primary_metric": "a"}]},'
    b' "throughput": {"a": [{"client_hostname": "all", "mean": 1, "stddevpct": 2}], "a": [{"client_hostname": "all", "mean": 7, "stddevpct": 2}]}}}]',
    b'\t\r\n [ {"iteration_data": {"throughput": {}, "parameters": {"user": [{"profile": {"x": [1]}}, {}]}}, "iteration_name": "late" } ] \n',
]


def add_broken(corpus, rng):
    files = []
    for root, _, names in os.walk(corpus):
        files += [os.path.join(root, n) for n in names if n == "result.json"]
    files.sort()
    for body in BROKEN:
        path = rng.choice(files)
        with open(path, "wb") as fd:
            fd.write(body)
    # A truncated real file.
    path = rng.choice(files)
    with open(path, "rb") as fd:
        data = fd.read()
    with open(path, "wb") as fd:
        fd.write(data[: len(data) // 2])


def run(binary, args, out, verbose, all_reports=True):
    # Both binaries write to the same paths: messages name them.
    shutil.rmtree(out, ignore_errors=True)
    os.makedirs(out)
    extra = ["--log", os.path.join(out, "log"), "--xunit", os.path.join(out, "xunit"),
             "--markdown", os.path.join(out, "md")]
    if all_reports:
        # The reports over all builds (the others only need the target).
        extra += ["--json", os.path.join(out, "json"), "--html", os.path.join(out, "html")]
    cmd = [binary] + (["-v"] if verbose else []) + extra + args
    proc = subprocess.run(cmd, capture_output=True, check=False)
    files = {"exit": str(proc.returncode).encode(), "stdout": proc.stdout,
             "stderr": proc.stderr}
    for name in ("log", "xunit", "json", "md", "html"):
        path = os.path.join(out, name)
        files[name] = open(path, "rb").read() if os.path.exists(path) else b"<missing>"
    # The xunit timestamp is the only output that may change between runs.
    files["xunit"] = re.sub(rb'timestamp="[^"]*"', b'timestamp=""', files["xunit"])
    return files


def compare(label, base, new, args, workdir):
    problems = []
    for verbose, all_reports in ((False, True), (True, True), (False, False)):
        tag = f"{label}{'-v' if verbose else ''}{'' if all_reports else '-target-only'}"
        out = os.path.join(workdir, "out", tag)
        a = run(base, args, out, verbose, all_reports)
        b = run(new, args, out, verbose, all_reports)
        for name in a:
            if a[name] != b[name]:
                problems.append(f"{tag}: {name} differs ({len(a[name])} vs {len(b[name])} bytes)")
    status = "OK" if not problems else "DIFF"
    print(f"{label}: {status}")
    for problem in problems:
        print("   ", problem)
    return not problems


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("seeds", nargs="*", type=int)
    parser.add_argument("--base", required=True)
    parser.add_argument("--new", required=True)
    parser.add_argument("--python", default=sys.executable)
    parser.add_argument("--keep", help="keep corpora and outputs in this dir")
    parser.add_argument("--corpus", action="append", default=[],
                        help="extra corpus: a dir whose subdirs are the builds")
    args = parser.parse_args()
    workdir = args.keep or tempfile.mkdtemp(prefix="runperf-same-")
    ok = True
    for seed in args.seeds:
        corpus = os.path.join(workdir, f"corpus_{seed}")
        if not os.path.exists(corpus):
            subprocess.run([args.python, os.path.join(HERE, "gen_corpus.py"), str(seed), corpus],
                           check=True)
        with open(os.path.join(corpus, "args.json")) as fd:
            options = json.load(fd)
        ok &= compare(f"seed {seed}", args.base, args.new, options, workdir)
        broken = os.path.join(workdir, f"broken_{seed}")
        if not os.path.exists(broken):
            shutil.copytree(corpus, broken)
            add_broken(broken, random.Random(seed))
        options = [o.replace(corpus, broken) for o in options]
        ok &= compare(f"seed {seed} broken", args.base, args.new, options, workdir)
    corpora = args.corpus or [os.path.join(FIXTURES, d) for d in sorted(os.listdir(FIXTURES))
                              if os.path.isdir(os.path.join(FIXTURES, d))]
    for corpus in corpora:
        builds = sorted(os.path.join(corpus, d) for d in os.listdir(corpus)
                        if os.path.isdir(os.path.join(corpus, d)))
        models = sorted(os.path.join(corpus, f) for f in os.listdir(corpus) if f.endswith(".json"))
        options = (["-l"] + models if models else []) + ["--model-builds-average", "1", "--"]
        ok &= compare(os.path.basename(corpus), args.base, args.new, options + builds, workdir)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
