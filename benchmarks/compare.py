#!/usr/bin/env python3
"""Times mha-cli's forward pass against numpy doing the same mathematics, in the same run.

For each (n, d_model, heads), causal and not, float64 and float32, it runs the release
binary's benchmark (`mha-cli bench --format json`, or the hidden `mha-bench` tool when the
CLI has no bench command) and numpy's forward pass written as the reference does it
(/work/shared/reference/mha_ref.py, without keeping the weights):

    Q, K, V = X@Wq, X@Wk, X@Wv;  per head: S = Q_j@K_j.T * scale, causal -> -inf above the
    diagonal, softmax rows, A@V_j;  concat@Wo

Both sides are credited the same nominal FLOPs, 8*n*d^2 + 4*n^2*d, also when causal (numpy
computes the full score matrix and masks it; the engine skips the masked key tiles). Each
side's time is the median of --rounds round medians, each of --repeat timed runs after one
warm-up; the two sides alternate round by round, so a busy spell on a shared machine
falls on both.
It also times one matrix product, 2048x1024 @ 1024x1024, on both sides.

OpenBLAS: OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE, if set, slow current numpy; this script
re-runs itself without them (for its own process only) and prints which kernel threadpoolctl
reports.

Usage: python3 benchmarks/compare.py [--repeat 5] [--sizes 64,64,4 512,512,8 ...] [--markdown]
Build first: swift build -c release
"""
import argparse
import json
import os
import platform
import subprocess
import sys
import time

ENV_TO_DROP = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")
if any(name in os.environ for name in ENV_TO_DROP):
    env = {k: v for k, v in os.environ.items() if k not in ENV_TO_DROP}
    os.execve(sys.executable, [sys.executable] + sys.argv, env)

import numpy as np  # noqa: E402  (after the environment is settled)

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_SIZES = [(64, 64, 4), (512, 512, 8), (2048, 1024, 16), (4096, 1024, 16)]


def blas_description():
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return "threadpoolctl not installed (pip install threadpoolctl)"
    parts = [f"{i.get('internal_api')} {i.get('version')} kernel {i.get('architecture')}, "
             f"{i.get('num_threads')} threads" for i in threadpool_info()
             if i.get("user_api") == "blas"]
    return "; ".join(parts) or "no BLAS reported"


class Engine:
    """Runs the Swift benchmark: `mha-cli bench` if it exists and takes --causal, else the
    hidden `mha-bench` tool (both measure through MHACore's `Benchmark`)."""

    def __init__(self):
        cli = os.path.join(ROOT, ".build", "release", "mha-cli")
        tool = os.path.join(ROOT, ".build", "release", "mha-bench")
        self.use_cli = os.path.exists(cli) and self._cli_works(cli)
        self.path = cli if self.use_cli else tool
        if not os.path.exists(self.path):
            sys.exit("no release binary: run `swift build -c release` first")

    @staticmethod
    def _cli_works(cli):
        probe = subprocess.run([cli, "bench", "--seq-len", "4", "--d-model", "4", "--heads", "1",
                                "--causal", "--repeat", "1", "--format", "json"],
                               capture_output=True, text=True)
        return probe.returncode == 0 and "seconds_median" in probe.stdout

    def forward(self, n, d, heads, causal, dtype, repeat):
        if self.use_cli:
            args = [self.path, "bench", "--seq-len", str(n), "--d-model", str(d),
                    "--heads", str(heads), "--repeat", str(repeat), "--format", "json"]
            args += ["--causal"] if causal else []
            args += ["--float"] if dtype == np.float32 else []
        else:
            args = [self.path, "forward", str(n), str(d), str(heads), f"repeat={repeat}"]
            args += ["causal"] if causal else []
            args += ["float"] if dtype == np.float32 else []
        return self._run(args)

    def gemm(self, m, n, k, dtype, repeat):
        if self.use_cli:
            return None
        args = [self.path, "gemm", str(m), str(n), str(k), f"repeat={repeat}"]
        args += ["float"] if dtype == np.float32 else []
        return self._run(args)

    @staticmethod
    def _run(args):
        out = subprocess.run(args, capture_output=True, text=True, check=True).stdout
        return json.loads(out.strip().splitlines()[-1])["seconds_median"]


def numpy_forward(x, w, heads, mask):
    wq, wk, wv, wo = w
    n, d = x.shape
    dk = d // heads
    scale = x.dtype.type(1 / np.sqrt(dk))
    q, k, v = x @ wq, x @ wk, x @ wv
    outs = []
    for j in range(heads):
        cols = slice(j * dk, (j + 1) * dk)
        s = (q[:, cols] @ k[:, cols].T) * scale
        if mask is not None:
            s = np.where(mask, -np.inf, s)
        s = np.exp(s - s.max(axis=1, keepdims=True))
        a = s / s.sum(axis=1, keepdims=True)
        outs.append(a @ v[:, cols])
    return np.concatenate(outs, axis=1) @ wo


def median_time(work, repeat):
    work()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return float(np.median(times))


def alternate(ours, theirs, rounds):
    """Median of `rounds` results of each side, the sides taking turns."""
    pairs = [(ours(), theirs()) for _ in range(rounds)]
    if any(p[0] is None for p in pairs):
        return None, float(np.median([p[1] for p in pairs]))
    return float(np.median([p[0] for p in pairs])), float(np.median([p[1] for p in pairs]))


def forward_flops(n, d):
    return 8 * n * d * d + 4 * n * n * d


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--sizes", nargs="*", default=None,
                        help="n,d_model,heads triples (default: the four of issue 5)")
    parser.add_argument("--markdown", action="store_true", help="print a Markdown table")
    args = parser.parse_args()
    sizes = [tuple(int(v) for v in s.split(",")) for s in args.sizes] if args.sizes else DEFAULT_SIZES

    engine = Engine()
    rng = np.random.default_rng(1)
    print(f"# {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, {platform.processor() or platform.machine()}, "
          f"{os.cpu_count()} CPUs; numpy {np.__version__}: {blas_description()}; "
          f"engine: {'mha-cli bench' if engine.use_cli else 'mha-bench'}; "
          f"median of {args.rounds} alternating rounds of {args.repeat} runs; "
          f"load average {os.getloadavg()[0]:.1f}")
    rows = []
    for dtype in (np.float64, np.float32):
        a = rng.uniform(-1, 1, (2048, 1024)).astype(dtype)
        b = rng.uniform(-1, 1, (1024, 1024)).astype(dtype)
        ours, theirs = alternate(lambda: engine.gemm(2048, 1024, 1024, dtype, args.repeat),
                                 lambda: median_time(lambda: a @ b, args.repeat), args.rounds)
        flops = 2 * 2048 * 1024 * 1024
        if ours is not None:
            rows.append(("GEMM 2048x1024x1024", np.dtype(dtype).name, "-", ours, theirs, flops))
    for (n, d, heads) in sizes:
        for causal in (False, True):
            mask = np.triu(np.ones((n, n), dtype=bool), k=1) if causal else None
            for dtype in (np.float64, np.float32):
                x = rng.uniform(-1, 1, (n, d)).astype(dtype)
                w = [rng.uniform(-1, 1, (d, d)).astype(dtype) / np.sqrt(d) for _ in range(4)]
                ours, theirs = alternate(
                    lambda: engine.forward(n, d, heads, causal, dtype, args.repeat),
                    lambda: median_time(lambda: numpy_forward(x, w, heads, mask), args.repeat),
                    args.rounds)
                rows.append((f"forward n={n} d={d} h={heads}", np.dtype(dtype).name,
                             "yes" if causal else "no", ours, theirs, forward_flops(n, d)))
                print_row(rows[-1], args.markdown and False)
    print(f"# load average at the end {os.getloadavg()[0]:.1f}")
    print()
    header = ("| case | dtype | causal | mha-cli s | numpy s | time ratio (mha/numpy) "
              "| mha-cli GFLOP/s | numpy GFLOP/s |")
    print(header)
    print("|---|---|---|---:|---:|---:|---:|---:|")
    for row in rows:
        print_row(row, True)


def print_row(row, markdown):
    case, dtype, causal, ours, theirs, flops = row
    cells = (case, dtype, causal, f"{ours:.4g}", f"{theirs:.4g}", f"{ours / theirs:.2f}",
             f"{flops / ours / 1e9:.1f}", f"{flops / theirs / 1e9:.1f}")
    if markdown:
        print("| " + " | ".join(cells) + " |")
    else:
        print("  ".join(cells), file=sys.stderr, flush=True)


if __name__ == "__main__":
    main()
