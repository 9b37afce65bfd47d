#!/usr/bin/env python3
"""Per-row latency and throughput of `mha-cli decode` (issue 16), release build, medians.

    swift build -c release
    python3 benchmarks/decode/latency.py [--binary .build/release/mha-cli] [--other OLD_BINARY]
                                         [--caches 0,1024,4096] [--rows 30] [--stream 1024]

1. Lone-row latency: a decoder (d_model 1024, 16 heads, random:1 weights) continuing a cache
   of n rows gets one row at a time through a pipe; for each row the wall time from writing
   it to reading its output line, and the CPU time of all the process's threads over the
   same interval (/proc/PID/task/*/schedstat, nanoseconds). Medians over --rows rows (the
   first row after start-up is not counted).
2. Throughput: --stream rows written at once into decode's stdin against `run --causal` on
   the same rows (whole-process wall and CPU time, median of 3).

With --other, the second binary is measured in the same run, alternating, so the two can be
compared. The caches are made once (by the first binary) and copied for every run."""
import argparse, os, random, shutil, statistics, subprocess, sys, tempfile, time

D_MODEL, HEADS = 1024, 16


def cpu_ns(pid):
    total = 0
    for task in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{task}/schedstat") as f:
                total += int(f.read().split()[0])
        except FileNotFoundError:
            pass
    return total


def rows_file(folder, count, seed):
    path = f"{folder}/h{count}-{seed}.csv"
    rnd = random.Random(seed)
    with open(path, "w") as f:
        for _ in range(count):
            f.write(",".join(f"{rnd.uniform(-1, 1):.6f}" for _ in range(D_MODEL)) + "\n")
    return path


def common():
    return ["--weights", "random:1", "--heads", str(HEADS)]


def lone_rows(binary, cache, rows):
    """Median wall and CPU seconds per lone row, continuing `cache` (or none)."""
    extra = ["--cache", cache] if cache else []
    p = subprocess.Popen([binary, "decode", *common(), *extra], stdin=subprocess.PIPE,
                         stdout=subprocess.PIPE, bufsize=0)
    walls, cpus = [], []
    for i, row in enumerate(rows):
        c0, t0 = cpu_ns(p.pid), time.perf_counter()
        p.stdin.write((row + "\n").encode())
        line = p.stdout.readline()
        t1, c1 = time.perf_counter(), cpu_ns(p.pid)
        if not line:
            sys.exit(f"{binary}: decode ended early")
        if i > 0:
            walls.append(t1 - t0)
            cpus.append((c1 - c0) / 1e9)
    p.stdin.close()
    p.stdout.read()
    p.wait()
    return statistics.median(walls), statistics.median(cpus)


def whole(command, stdin_path):
    """Wall and CPU seconds (children's user + system) of one whole process."""
    before = os.times()
    t0 = time.perf_counter()
    with open(stdin_path, "rb") as f:
        subprocess.run(command, stdin=f, stdout=subprocess.DEVNULL, check=True)
    t1 = time.perf_counter()
    after = os.times()
    cpu = (after.children_user - before.children_user) + (after.children_system - before.children_system)
    return t1 - t0, cpu


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--binary", default=".build/release/mha-cli")
    parser.add_argument("--other")
    parser.add_argument("--caches", default="0,1024,4096")
    parser.add_argument("--rows", type=int, default=30)
    parser.add_argument("--stream", type=int, default=1024)
    parser.add_argument("--rounds", type=int, default=3)
    a = parser.parse_args()
    binaries = [a.binary] + ([a.other] if a.other else [])
    work = tempfile.mkdtemp()
    try:
        caches = [int(c) for c in a.caches.split(",")]
        lone = open(rows_file(work, a.rows + 1, 5)).read().splitlines()
        print(f"lone-row latency, d_model {D_MODEL}, {HEADS} heads, Double, median of {a.rows} rows:")
        for n in caches:
            made = None
            if n > 0:
                made = f"{work}/cache{n}.npz"
                subprocess.run([a.binary, "decode", *common(), "--cache", made, "-x", rows_file(work, n, 7)],
                               stdout=subprocess.DEVNULL, check=True)
            for b in binaries:
                cache = None
                if made:
                    cache = f"{work}/copy.npz"
                    shutil.copyfile(made, cache)
                wall, cpu = lone_rows(b, cache, lone)
                print(f"  cache {n:5d}  {b}: wall {wall * 1e3:8.2f} ms  cpu {cpu * 1e3:8.2f} ms")
        stream = rows_file(work, a.stream, 9)
        flops = attention_flops(a.stream) + projection_flops(a.stream)
        print(f"throughput, {a.stream} rows at once (median of {a.rounds}; "
              f"{flops / 1e9:.2f} GFLOP counting causal attention once):")
        for b in binaries:
            runs = {"decode": [], "run --causal": []}
            for _ in range(a.rounds):
                runs["decode"].append(whole([b, "decode", *common()], stream))
                runs["run --causal"].append(whole([b, "run", "-x", "-", *common(), "--causal",
                                                   "--format", "csv"], stream))
            medians = {k: (statistics.median(w for w, _ in v), statistics.median(c for _, c in v))
                       for k, v in runs.items()}
            (dw, dc), (rw, rc) = medians["decode"], medians["run --causal"]
            print(f"  {b}: decode wall {dw:.3f} s cpu {dc:.3f} s; run --causal wall {rw:.3f} s cpu {rc:.3f} s; "
                  f"decode/run wall {dw / rw:.2f}, cpu {dc / rc:.2f}")
    finally:
        shutil.rmtree(work)


def attention_flops(n):
    # QKᵀ and A·V over the causal triangle: 2 products × 2 flops × d_model × n(n+1)/2.
    return 2 * 2 * D_MODEL * n * (n + 1) / 2


def projection_flops(n):
    return 4 * 2 * n * D_MODEL * D_MODEL


if __name__ == "__main__":
    main()
