#!/usr/bin/env python3
"""Generate a random run-perf result corpus for differential testing.

Usage: gen_corpus.py SEED OUTDIR [--builds N] [--profiles P] [--tests T]
       [--samples S] [--files-scale K]

Writes OUTDIR/build_00 ... build_NN (source first, target last) with several
profiles/tests/serials/iterations, failed iterations (-failN), tmp serials,
missing tests, missing `all` clients, zero and integer means, error dirs at
every level, plus three model files (version 2, version 1, old format) and
OUTDIR/args.json with a random compare-perf option set. Only input the
reference (runperf 1.2) does not crash on is generated.
"""
import argparse
import json
import os
import random

WORKFLOW_TYPES = {
    "throughput": ["iops_sec", "Gb_sec", "trans_sec"],
    "latency": ["clat", "lat", "slat", "usec"],
}


def client_entry(host, mean, stddev, samples):
    return {"client_hostname": host, "mean": mean, "stddevpct": stddev,
            "role": "aggregate" if host == "all" else "client",
            "samples": [{"value": mean, "timeseries": [
                {"date": i, "value": mean} for i in range(samples)]}]}


def make_value(rng, base, spread, clean=False):
    kind = rng.random()
    if clean:
        return base * (1 + rng.uniform(-spread, spread))
    if kind < 0.04:
        return 0
    if kind < 0.12:
        return int(base * (1 + rng.uniform(-spread, spread)))
    return base * (1 + rng.uniform(-spread, spread))


def iteration(rng, name, layout, build_spread, samples):
    primary = layout["primary"]
    data = {"parameters": {
        "benchmark": [{"benchmark_name": layout["test"], "primary_metric": primary,
                       "bs": name, "max_stddevpct": 5, "flag": True}],
        "user": [{"profile": layout["profile"], "workers": {"x": "y" * 50}}]}}
    for workflow, types in layout["workflows"].items():
        data[workflow] = {}
        for wtype, base in types.items():
            mean = make_value(rng, base, build_spread, layout["clean"])
            stddev = round(rng.uniform(0, 8), rng.choice([0, 2, 6]))
            if rng.random() < 0.1:
                stddev = 0
            if layout["clean"]:
                stddev = round(rng.uniform(0, 1), 2)
            clients = [client_entry("host-1", mean, stddev, samples)]
            if rng.random() > layout["no_all_rate"]:
                clients.append(client_entry("all", mean, stddev, samples))
            data[workflow][wtype] = clients
    return {"iteration_name": name, "iteration_number": 1,
            "iteration_data": data}


def write_error(path, rng):
    os.makedirs(path, exist_ok=True)
    if rng.random() < 0.8:
        with open(os.path.join(path, "exception"), "w") as fd:
            fd.write(rng.choice(["Timeout", "Failed to boot", "Some exc"]))
    with open(os.path.join(path, "traceback"), "w") as fd:
        fd.write("Traceback...\n")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("seed", type=int)
    parser.add_argument("outdir")
    parser.add_argument("--builds", type=int, default=None)
    parser.add_argument("--files-scale", type=int, default=1,
                        help="multiply the number of tests (bench corpora)")
    parser.add_argument("--profiles", type=int, default=None)
    parser.add_argument("--tests", type=int, default=None)
    parser.add_argument("--samples", type=int, default=5,
                        help="timeseries entries per client sample")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    # About a third of the corpora are clean (no errors, small spread) so
    # that passing comparisons are exercised too.
    clean = rng.random() < 0.35
    noise = 0 if clean else 1
    builds = args.builds or rng.randint(2, 6)
    profiles = [f"Prof{i}" for i in range(args.profiles or rng.randint(1, 3))]
    tests = [f"{rng.choice(['fio', 'uperf'])}{i}"
             for i in range(args.tests or rng.randint(1, 3) * args.files_scale)]
    iteration_names = ["read-4KiB", "read-64KiB", "write-4KiB", "randrw",
                       "tcp_stream-1024B-1i", "udp_rr-64B"]
    layouts = {}
    for profile in profiles:
        for test in tests:
            names = rng.sample(iteration_names, rng.randint(1, 4))
            for name in names:
                workflows = {}
                for workflow, types in WORKFLOW_TYPES.items():
                    chosen = rng.sample(types, rng.randint(0, 2))
                    workflows[workflow] = {t: rng.choice([5, 100, 5000, 180000.5])
                                           for t in chosen}
                all_types = [t for w in workflows.values() for t in w]
                layouts[(profile, test, name)] = {
                    "profile": profile, "test": test, "clean": clean,
                    "primary": rng.choice(all_types) if all_types else "none",
                    "workflows": workflows,
                    "no_all_rate": 0.05 * noise if rng.random() < 0.2 else 0}
    os.makedirs(args.outdir, exist_ok=True)
    build_paths = []
    for build in range(builds):
        bdir = os.path.join(args.outdir, f"build_{build:02d}")
        build_paths.append(bdir)
        os.makedirs(bdir, exist_ok=True)
        with open(os.path.join(bdir, "RUNPERF_METADATA"), "w") as fd:
            fd.write(f"build:{build}\ndistro:Fedora-{30 + build}\nbad line\n")
        spread = 0.005 if clean else rng.choice([0.01, 0.04, 0.1, 0.3])
        for profile in profiles:
            for test in tests:
                if noise and rng.random() < 0.07:
                    continue  # missing test
                tdir = os.path.join(bdir, profile, test)
                serials = ["0000"] + (["0001"] if rng.random() < 0.15 else [])
                if rng.random() < 0.1:
                    serials.append("tmpab12cd")
                for serial in serials:
                    its = []
                    for (p, t, name), layout in layouts.items():
                        if (p, t) != (profile, test):
                            continue
                        if noise and rng.random() < 0.05:
                            continue
                        its.append(iteration(rng, name, layout, spread, args.samples))
                        if noise and rng.random() < 0.1:
                            its.append(iteration(rng, f"{name}-fail{rng.randint(1, 3)}",
                                                 layout, spread, args.samples))
                    os.makedirs(os.path.join(tdir, serial), exist_ok=True)
                    with open(os.path.join(tdir, serial, "result.json"), "w") as fd:
                        json.dump(its, fd)
                if noise and rng.random() < 0.08:
                    write_error(os.path.join(tdir, "1", "__error0__"), rng)
            if noise and rng.random() < 0.05:
                write_error(os.path.join(bdir, profile, "__error0__"), rng)
        if noise and rng.random() < 0.05:
            write_error(os.path.join(bdir, "__error0__"), rng)
    # Models over the source's checks (random equations), three formats.
    src_checks = []
    from runperf.result import iter_results  # the reference, for names only
    for name, value, _, _ in iter_results(build_paths[0], True):
        if isinstance(value, (int, float)):
            src_checks.append((name, value))
    models = []
    for version in (2, 1, None):
        chosen = [c for c in src_checks if rng.random() < 0.5]
        path = os.path.join(args.outdir, f"model_v{version}.json")
        if version is None:
            model = {n: [rng.uniform(-0.01, 0.01), rng.uniform(-5, 5)]
                     for n, _ in chosen}
        else:
            model = {"__metadata__": {"version": version, "tolerance": 5}}
            for n, v in chosen:
                raw = v * rng.uniform(0.9, 1.1) if v else rng.choice([0, 1.5])
                a = 0 if raw == 0 else 5 / (raw * 0.05)
                model[n] = {"equation": [a, -a * raw], "raw": raw,
                            "mmin": -5.0, "mmax": 5.0}
                if rng.random() < 0.2:
                    model[n]["raw"] = int(raw)
                    if model[n]["raw"] == 0:
                        model[n]["raw"] = 1
        with open(path, "w") as fd:
            json.dump(model, fd)
        models.append(path)
    options = ["-t", "10" if clean else str(rng.choice([5, 2.5, 10, 4])),
               "-s", str(rng.choice([5, 10, 3.3]))]
    chosen_models = [m for m in models if noise and rng.random() < 0.5]
    if chosen_models:
        options += ["-l"] + chosen_models
    if rng.random() < 0.6:
        options += ["--model-builds-average", str(rng.choice([1, 0.5, 2]))]
    if rng.random() < 0.6:
        options += ["--n-out-of-results", str(rng.choice([1, 2])),
                    "--n-out-of-results-n", str(rng.choice([0, 1, 2, 3]))]
    if rng.random() < 0.3:
        options.append("--include-incorrect-results")
    names = [f"b{i}:{p}" if rng.random() < 0.3 else p
             for i, p in enumerate(build_paths)]
    with open(os.path.join(args.outdir, "args.json"), "w") as fd:
        json.dump(options + ["--"] + names, fd)


if __name__ == "__main__":
    main()
