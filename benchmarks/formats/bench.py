#!/usr/bin/env python3
"""Read throughput of mha-cli's matrix readers against numpy and the json module.

Generates a 2048 x 1024 matrix of random doubles as CSV (shortest round-trip repr, "full
precision", ~40 MB), JSON and NPY in /tmp/mha-formats-bench; builds the tests in release
mode; then, in RUNS interleaved rounds, times numpy.loadtxt, json.load and np.load once each
and the Swift readers once each (the env-gated test FormatBenchmark/readThroughput run from
the release test binary, Linux path), and prints the medians in MB/s and the ratios.
Finally it prints Foundation's JSONSerialization time, the number-conversion comparison and
the writers' throughput (other FormatBenchmark tests).

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


def swift_bench(test, **env):
    """Runs one env-gated FormatBenchmark test in the release test binary; its BENCH lines."""
    environment = dict(os.environ, MHA_FORMAT_BENCH="1", MHA_FORMAT_BENCH_DIR=FOLDER, **env)
    out = subprocess.run([BINARY, "--testing-library", "swift-testing", "--filter", f"FormatBenchmark/{test}"],
                         cwd=ROOT, env=environment, capture_output=True, text=True)
    lines = [line for line in out.stdout.splitlines() if line.startswith("BENCH")]
    if out.returncode != 0 or not lines:
        print(out.stdout[-3000:], out.stderr[-3000:])
        sys.exit(1)
    return lines


BINARY = os.path.join(ROOT, ".build", "release", "mha-cliPackageTests.xctest")


def main():
    m = generate()
    paths = {name: os.path.join(FOLDER, name) for name in ("m.csv", "m.json", "m.npy")}
    sizes = {name: os.path.getsize(path) for name, path in paths.items()}
    # Sanity: every file holds the same matrix.
    assert np.array_equal(np.loadtxt(paths["m.csv"], delimiter=","), m)
    subprocess.run(["swift", "build", "-c", "release", "-Xswiftc", "-enable-testing", "--build-tests"],
                   cwd=ROOT, check=True, capture_output=True)

    def load_json():
        with open(paths["m.json"]) as f:
            return json.load(f)

    python_readers = [
        ("numpy.loadtxt", "m.csv", lambda: np.loadtxt(paths["m.csv"], delimiter=",")),
        ("json.load", "m.json", load_json),
        ("np.load", "m.npy", lambda: np.load(paths["m.npy"])),
    ]
    times = {}
    # Interleaved rounds, so that numpy and mha-cli meet the same load on a shared machine:
    # each round times every Python reader once, then every Swift reader once.
    for _ in range(RUNS):
        for label, name, fn in python_readers:
            start = time.perf_counter()
            fn()
            times.setdefault((label, name), []).append(time.perf_counter() - start)
        for line in swift_bench("readThroughput", MHA_FORMAT_BENCH_RUNS="1", MHA_FORMAT_BENCH_FOUNDATION="0"):
            parts = line.split()
            times.setdefault(("mha-cli", parts[2]), []).append(float(parts[4]))
    print(f"files: " + ", ".join(f"{n} {s / 1e6:.1f} MB" for n, s in sizes.items())
          + f"; median of {RUNS} interleaved rounds")
    for (label, name), samples in times.items():
        seconds = statistics.median(samples)
        print(f"{label:16s} {name:7s} {seconds:8.4f} s {sizes[name] / seconds / 1e6:9.1f} MB/s"
              f"   (min {min(samples):.4f} s)")
    for (label, name), (other, _) in [(("mha-cli", "m.csv"), ("numpy.loadtxt", 0)),
                                      (("mha-cli", "m.json"), ("json.load", 0)),
                                      (("mha-cli", "m.npy"), ("np.load", 0))]:
        ours = statistics.median(times[(label, name)])
        theirs = statistics.median(times[(other, name)])
        print(f"{name}: mha-cli is {theirs / ours:.2f}x {other}")
    for line in swift_bench("readThroughput", MHA_FORMAT_BENCH_RUNS=str(RUNS), MHA_FORMAT_BENCH_FILES="m.json"):
        if "JSONSerialization" in line:
            print(line)
    for test in ("numberConversion", "writeThroughput"):
        for line in swift_bench(test):
            print(line)


if __name__ == "__main__":
    main()
