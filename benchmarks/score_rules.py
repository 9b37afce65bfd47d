#!/usr/bin/env python3
"""What the score rules cost: `mha-cli bench` with each of --rope, --alibi, --window, --softcap
against the plain pass, and a sliding window against the full causal pass, in one run.

Variants of a group take turns round by round (so a busy spell on a shared machine falls on
all of them); each round runs `mha-cli bench --repeat R` (median of R timed runs after one
warm-up). Printed per variant: the median over rounds of wall seconds and of CPU seconds (all
threads together), and both as ratios to the group's first variant. On a shared machine the
CPU-time ratio is the steadier one: waiting for a core costs no CPU time.

Usage (standard library only):
    swift build -c release
    python3 benchmarks/score_rules.py [--binary .build/release/mha-cli] [--rounds 3]
                                      [--repeat 3] [--threads 1] [--groups plain,window]
Nothing here is a dependency of the build or the tests.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))

GROUPS = {
    # (n, d_model, heads, causal) and variants: name, extra bench options.
    "plain": (2048, 1024, 16, False, [
        ("plain", []),
        ("rope half", ["--rope", "half"]),
        ("rope interleaved", ["--rope", "interleaved"]),
        ("alibi", ["--alibi"]),
        ("window 256", ["--window", "256"]),
        ("softcap 50", ["--softcap", "50"]),
    ]),
    "window": (8192, 256, 4, True, [
        ("causal", []),
        ("causal window 256", ["--window", "256"]),
    ]),
    "window1024": (8192, 1024, 16, True, [
        ("causal", []),
        ("causal window 256", ["--window", "256"]),
    ]),
}


def bench(binary, n, d, heads, causal, options, repeat, threads):
    command = [binary, "bench", "--seq-len", str(n), "--d-model", str(d), "--heads", str(heads),
               "--repeat", str(repeat), "--format", "json"] + (["--causal"] if causal else []) + options
    environment = dict(os.environ)
    if threads:
        environment["MHA_THREADS"] = str(threads)
    result = json.loads(subprocess.run(command, check=True, capture_output=True, text=True,
                                       env=environment).stdout)
    return result["seconds_median"], result["cpu_seconds_median"]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--binary", default=os.path.join(HERE, "..", ".build", "release", "mha-cli"))
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--threads", type=int, default=0, help="MHA_THREADS (default: all)")
    parser.add_argument("--groups", default="plain,window")
    arguments = parser.parse_args()
    for name in arguments.groups.split(","):
        n, d, heads, causal, variants = GROUPS[name]
        wall = [[] for _ in variants]
        cpu = [[] for _ in variants]
        for _ in range(arguments.rounds):
            for index, (_, options) in enumerate(variants):
                w, c = bench(arguments.binary, n, d, heads, causal, options, arguments.repeat,
                             arguments.threads)
                wall[index].append(w)
                cpu[index].append(c)
        wall0, cpu0 = statistics.median(wall[0]), statistics.median(cpu[0])
        threads = arguments.threads or "all"
        print(f"n={n} d_model={d} heads={heads} causal={causal} threads={threads} "
              f"rounds={arguments.rounds} repeat={arguments.repeat}")
        for index, (label, _) in enumerate(variants):
            w, c = statistics.median(wall[index]), statistics.median(cpu[index])
            print(f"  {label:<20} wall {w:7.3f} s ({w / wall0:5.2f}x)   cpu {c:7.3f} s ({c / cpu0:5.2f}x)"
                  f"   cpu rounds {' '.join(f'{x:.3f}' for x in cpu[index])}")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
