#!/usr/bin/env python3
"""Generate random run-perf result trees for the analyze/diff/strip
differential test (tests/differential/analyze_diff_strip.py).

usage: gen_corpus_analyze.py SEED OUTDIR [BUILDS]

Writes OUTDIR/build_NN/ trees: several profiles, tests and iterations,
int and float values, zero deviations, multi-client workflows, workflows
without an `all` client, `-failN` iterations, tmp (incomplete) runs,
`__error*__` dirs at every level, tests missing from some builds, and
`__sysinfo*__` dirs. Plain standard library only.
"""
import json
import os
import random
import sys


def client_entries(rng, mean, stddev, clients):
    """pbench-like entries: per-client ones plus `all`, with samples."""
    entries = []
    for i in range(clients):
        entries.append({"client_hostname": f"worker{i}",
                        "mean": mean / clients, "stddevpct": stddev,
                        "samples": [{"value": mean / clients,
                                     "timeseries": [{"date": 1, "value": 2}]}]})
    if rng.random() < 0.97:
        entries.append({"client_hostname": "all", "mean": mean,
                        "stddevpct": stddev, "uid": "x",
                        "samples": [{"value": mean}]})
    return entries


def value(rng, base, noise):
    kind = rng.random()
    val = base * (1 + rng.uniform(-noise, noise))
    if kind < 0.1:
        return int(round(val))
    if kind < 0.12:
        return val * 1e-7
    return val


def iteration(rng, name, number, bases, noise):
    metrics = {"throughput": ["iops_sec", "bw_KiB_sec"],
               "latency": ["lat", "clat", "slat"]}
    primary = rng.choice(["iops_sec", "lat", "bw_KiB_sec"])
    data = {"parameters": {"benchmark": [{"primary_metric": primary,
                                          "block_size_kb": number,
                                          "uid": "benchmark_name:fio"}],
                           "user": [{"profile": "Localhost"}, {"x": 1}]}}
    for workflow, types in metrics.items():
        if rng.random() < 0.1:
            continue
        data[workflow] = {}
        for wtype in types:
            key = (name, workflow, wtype)
            base = bases.setdefault(key, rng.choice(
                [0] + [10 ** rng.uniform(-2, 7)] * 9))
            mean = value(rng, base, noise)
            # Per check either never a deviation or always one (a mix
            # makes both tools give up with exit 255 too often).
            has_stddev = bases.setdefault(key + ("stddev",), rng.random() < 0.8)
            stddev = (rng.choice([round(rng.uniform(0.1, 5), 3),
                                  rng.uniform(0.1, 8), 2])
                      if has_stddev else 0)
            if base == 0 and rng.random() > bases.get("chaos", 0):
                # A zero mean with a deviation makes both tools give up
                # (exit 255); keep that rare so the scoring gets exercised.
                stddev = 0
            clients = rng.choice([1, 1, 2])
            data[workflow][wtype] = client_entries(rng, mean, stddev, clients)
    return {"iteration_name": name, "iteration_number": number,
            "iteration_data": data}


def write_error(path, rng):
    os.makedirs(path, exist_ok=True)
    if rng.random() < 0.8:
        with open(os.path.join(path, "exception"), "w") as fd:
            fd.write(rng.choice(["RuntimeError: boom\n", "Timeout",
                                 "1.5", "Failed: é"]))
    with open(os.path.join(path, "traceback"), "w") as fd:
        fd.write("Traceback\n")


def build(rng, root, bases, noise):
    os.makedirs(root)
    with open(os.path.join(root, "RUNPERF_METADATA"), "w") as fd:
        fd.write("distro:Fedora\nrunperf_version:1.2\n")
    if rng.random() < 0.5:
        os.makedirs(os.path.join(root, "__sysinfo_before__"))
        with open(os.path.join(root, "__sysinfo_before__", "uname"), "w") as fd:
            fd.write("Linux\n")
    if rng.random() < 0.15:
        write_error(os.path.join(root, "__error1__"), rng)
    for profile in ("Localhost", "DefaultLibvirt", "TunedLibvirt"):
        if rng.random() < 0.1:
            continue
        if rng.random() < 0.3:
            os.makedirs(os.path.join(root, profile, "__sysinfo__"))
            with open(os.path.join(root, profile, "__sysinfo__", "x"), "w") as fd:
                fd.write("x")
        if rng.random() < 0.1:
            write_error(os.path.join(root, profile, "__error0__"), rng)
        for test in ("fio", "uperf"):
            if rng.random() < 0.1:
                continue
            test_dir = os.path.join(root, profile, test)
            serials = rng.choice([1, 1, 2])
            for serial in range(serials):
                run = os.path.join(test_dir, f"{serial:04d}")
                os.makedirs(run)
                iterations = []
                for number, name in enumerate(["read-4KiB", "write-4KiB",
                                               "randrw-64KiB", "read-1024KiB"]):
                    if rng.random() < 0.1:
                        continue
                    iname = name
                    if rng.random() < 0.05:
                        iname = f"{name}-fail{rng.randint(1, 3)}"
                    iterations.append(iteration(rng, iname, number, bases,
                                                noise))
                with open(os.path.join(run, "result.json"), "w") as fd:
                    json.dump(iterations, fd, indent=rng.choice([None, 4]))
                with open(os.path.join(run, "RUNPERF_METADATA.json"), "w") as fd:
                    json.dump({"profile": profile, "workers": 1}, fd)
            if rng.random() < 0.2:
                write_error(os.path.join(test_dir, f"{serials}", "__error0__"), rng)
            if rng.random() < 0.1:
                tmp = os.path.join(test_dir, "tmpabc123")
                os.makedirs(tmp)
                with open(os.path.join(tmp, "result.json"), "w") as fd:
                    json.dump([iteration(rng, "read-4KiB", 0, bases, noise)], fd)


def main():
    seed, out = int(sys.argv[1]), sys.argv[2]
    builds = int(sys.argv[3]) if len(sys.argv) > 3 else 6
    rng = random.Random(seed)
    bases = {"chaos": rng.choice([0, 0, 0, 0.05])}
    noise = rng.choice([0.01, 0.05, 0.2])
    for i in range(builds):
        build(rng, os.path.join(out, f"build_{i:02d}"), bases, noise)


if __name__ == "__main__":
    main()
