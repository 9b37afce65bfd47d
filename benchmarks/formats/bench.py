#!/usr/bin/env python3
"""Read throughput of mha-cli's matrix readers against numpy and the json module.

Generates a 2048 x 1024 matrix of random doubles as CSV (shortest round-trip repr, "full
precision", ~40 MB), JSON and NPY in /tmp/mha-formats-bench, times numpy.loadtxt, json.load
and np.load (median of RUNS runs), then runs the Swift readers through the release-built,
env-gated test FormatBenchmark in the same run, and prints MB/s for each.

Usage: python3 benchmarks/formats/bench.py [RUNS]   (from the package root; default 5)
"""
import json
import os
import statistics
import subprocess
import sys
import time

import numpy as np

RUNS = int(sys.argv[1]) if len(sys.argv) > 1 else 5
FOLDER = "/tmp/mha-formats-bench"
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def generate():
    os.makedirs(FOLDER, exist_ok=True)
    rng = np.random.default_rng(2048)
    m = rng.standard_normal((2048, 1024))
    with open(os.path.join(FOLDER, "m.csv"), "w") as f:
        for row in m:
            f.write(",".join(repr(float(v)) for v in row) + "\n")
    with open(os.path.join(FOLDER, "m.json"), "w") as f:
        json.dump(m.tolist(), f)
    np.save(os.path.join(FOLDER, "m.npy"), m)
    return m


def median_seconds(fn):
    times = []
    for _ in range(RUNS):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main():
    m = generate()
    paths = {name: os.path.join(FOLDER, name) for name in ("m.csv", "m.json", "m.npy")}
    sizes = {name: os.path.getsize(path) for name, path in paths.items()}
    # Sanity: every file holds the same matrix.
    assert np.array_equal(np.loadtxt(paths["m.csv"], delimiter=","), m)
    results = []

    def load_json():
        with open(paths["m.json"]) as f:
            return json.load(f)

    for label, name, fn in [
        ("numpy.loadtxt", "m.csv", lambda: np.loadtxt(paths["m.csv"], delimiter=",")),
        ("json.load", "m.json", load_json),
        ("np.array(json.load)", "m.json", lambda: np.array(load_json())),
        ("np.load", "m.npy", lambda: np.load(paths["m.npy"])),
    ]:
        seconds = median_seconds(fn)
        results.append((label, name, seconds, sizes[name] / seconds / 1e6))
    env = dict(os.environ, MHA_FORMAT_BENCH="1", MHA_FORMAT_BENCH_DIR=FOLDER,
               MHA_FORMAT_BENCH_RUNS=str(RUNS))
    out = subprocess.run(["swift", "test", "-c", "release", "-Xswiftc", "-enable-testing",
                          "--filter", "FormatBenchmark"], cwd=ROOT, env=env,
                         capture_output=True, text=True)
    bench_lines = [line for line in out.stdout.splitlines() if line.startswith("BENCH")]
    if out.returncode != 0 or not bench_lines:
        print(out.stdout[-3000:], out.stderr[-3000:])
        sys.exit(1)
    print(f"files: " + ", ".join(f"{n} {s / 1e6:.1f} MB" for n, s in sizes.items()) + f"; median of {RUNS} runs")
    for label, name, seconds, rate in results:
        print(f"{label:24s} {name:7s} {seconds:8.4f} s {rate:9.1f} MB/s")
    for line in bench_lines:
        print(line)


if __name__ == "__main__":
    main()
