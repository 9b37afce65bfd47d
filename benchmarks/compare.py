#!/usr/bin/env python3
"""Times mha-cli's forward pass against PyTorch and numpy doing the same mathematics, in one run.

For each (n, d_model, heads), causal and not, float64 and float32, it runs the release
binary's benchmark (`mha-cli bench --format json`), PyTorch's CPU `nn.MultiheadAttention`
(no biases, need_weights=False, so it takes its fused attention path; optional: skipped when
torch is not importable) and numpy's forward written as the reference does it
(/work/shared/reference/mha_ref.py, without keeping the weights):

    Q, K, V = X@Wq, X@Wk, X@Wv;  per head: S = Q_j@K_j.T * scale, causal -> -inf above the
    diagonal, softmax rows, A@V_j;  concat@Wo

Every side is credited the same nominal FLOPs, 8*n*d^2 + 4*n^2*d, also when causal. The
GEMM peak is numpy's (OpenBLAS) --peak-size cube product in the same run; "share" is our
forward's GFLOP/s over it. Each time is the median of --rounds round medians, each of
--repeat timed runs after one warm-up; the sides take turns round by round, so a busy spell
on a shared machine falls on all of them. The matrix product (2048x1024 @ 1024x1024) is
timed on every side too (`mha-cli bench --gemm`).

--threads N caps every side at N threads (MHA_THREADS, torch.set_num_threads, and
OPENBLAS_NUM_THREADS/OMP_NUM_THREADS/MKL_NUM_THREADS set before numpy loads). Each side's
process CPU seconds per run are measured beside the wall time (mha-cli's from its own
`cpu_seconds_median`, torch's and numpy's from time.process_time around each run) and
printed as extra columns: on a machine shared with other work, `--threads 1` and the CPU
columns are the stable comparison, since waiting for a core costs no CPU time.

OpenBLAS: OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE, if set, slow current numpy; this script
re-runs itself without them (for its own process only) and prints which kernel threadpoolctl
reports.

Usage:
    swift build -c release
    python3 benchmarks/compare.py --setup            # once: benchmarks/.venv with numpy, torch
    python3 benchmarks/compare.py [--venv DIR] [--repeat 5] [--rounds 3]
                                  [--sizes 512,512,8 2048,1024,16 ...] [--markdown]
                                  [--threads 1]
--venv DIR runs under DIR/bin/python (default: benchmarks/.venv when it exists; e.g.
--venv /work/venv). Nothing here is a dependency of the build or the tests.
"""
import argparse
import json
import os
import platform
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
DEFAULT_VENV = os.path.join(HERE, ".venv")
DEFAULT_SIZES = [(512, 512, 8), (2048, 1024, 16), (4096, 1024, 16)]
ENV_TO_DROP = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")
THREAD_VARIABLES = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


def parse_arguments():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--setup", action="store_true",
                        help="create --venv (default benchmarks/.venv) with numpy, torch (CPU) "
                             "and threadpoolctl, then exit")
    parser.add_argument("--venv", default=None, help="virtual environment to run under")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--sizes", nargs="*", default=None,
                        help="n,d_model,heads triples (default: 512,512,8 2048,1024,16 4096,1024,16)")
    parser.add_argument("--peak-size", type=int, default=4096, help="numpy's GEMM peak cube size")
    parser.add_argument("--dtypes", default="float64,float32")
    parser.add_argument("--no-torch", action="store_true", help="skip PyTorch")
    parser.add_argument("--markdown", action="store_true", help="print a Markdown table")
    parser.add_argument("--settle", type=float, default=0.5,
                        help="seconds to wait before each side's turn, so that the previous "
                             "side's spinning BLAS/OpenMP threads have gone to sleep (default 0.5)")
    parser.add_argument("--threads", type=int, default=None,
                        help="threads for every side (default: all CPUs); 1 gives the stable "
                             "one-thread CPU-time comparison")
    return parser.parse_args()


def setup(venv):
    subprocess.run([sys.executable, "-m", "venv", venv], check=True)
    pip = [os.path.join(venv, "bin", "python"), "-m", "pip", "install", "--quiet"]
    subprocess.run(pip + ["numpy", "threadpoolctl"], check=True)
    # The CPU-only wheel is a tenth of the size; where its index is unreachable, PyPI's own
    # wheel (CUDA libraries included, unused here) computes the same on the CPU.
    cpu_only = subprocess.run(pip + ["torch", "--index-url", "https://download.pytorch.org/whl/cpu"])
    if cpu_only.returncode != 0:
        subprocess.run(pip + ["torch"], check=True)
    print(f"ready: python3 benchmarks/compare.py --venv {venv}")


def settle_interpreter(args):
    """Re-executes under the chosen venv's python and without the OpenBLAS overrides."""
    venv = args.venv or (DEFAULT_VENV if os.path.isdir(DEFAULT_VENV) else None)
    python = os.path.join(venv, "bin", "python") if venv else sys.executable
    if venv and not os.path.exists(python):
        sys.exit(f"no python in {venv}: run with --setup first")
    wrong_python = os.path.realpath(sys.prefix) != os.path.realpath(venv) if venv else False
    wrong_threads = args.threads is not None and any(
        os.environ.get(name) != str(args.threads) for name in THREAD_VARIABLES)
    if wrong_python or wrong_threads or any(name in os.environ for name in ENV_TO_DROP):
        env = {k: v for k, v in os.environ.items() if k not in ENV_TO_DROP}
        if args.threads is not None:
            env.update({name: str(args.threads) for name in THREAD_VARIABLES})
        os.execve(python, [python, os.path.abspath(__file__)] + sys.argv[1:], env)


ARGS = parse_arguments()
if ARGS.setup:
    setup(ARGS.venv or DEFAULT_VENV)
    sys.exit(0)
settle_interpreter(ARGS)

import numpy as np  # noqa: E402  (after the interpreter and environment are settled)

try:
    if ARGS.no_torch:
        raise ImportError("--no-torch")
    import torch  # noqa: E402
    torch.set_num_threads(ARGS.threads or os.cpu_count() or 1)
except ImportError:
    torch = None


def blas_description():
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return "threadpoolctl not installed"
    parts = [f"{i.get('internal_api')} {i.get('version')} kernel {i.get('architecture')}, "
             f"{i.get('num_threads')} threads" for i in threadpool_info()
             if i.get("user_api") == "blas"]
    return "; ".join(parts) or "no BLAS reported"


class Engine:
    """Runs `mha-cli bench --format json` from the release build."""

    def __init__(self):
        self.path = os.path.join(ROOT, ".build", "release", "mha-cli")
        if not os.path.exists(self.path):
            sys.exit("no release binary: run `swift build -c release` first")
        self.last = {}

    def forward(self, n, d, heads, causal, dtype, repeat):
        args = ["--seq-len", str(n), "--d-model", str(d), "--heads", str(heads)]
        args += ["--causal"] if causal else []
        return self._run(args, dtype, repeat)

    def gemm(self, m, k, dtype, repeat):
        return self._run(["--gemm", "--seq-len", str(m), "--d-model", str(k), "--heads", "1"],
                         dtype, repeat)

    def _run(self, args, dtype, repeat):
        args = [self.path, "bench", "--repeat", str(repeat), "--format", "json"] + args
        args += ["--float"] if dtype == np.float32 else []
        env = dict(os.environ, **({"MHA_THREADS": str(ARGS.threads)} if ARGS.threads else {}))
        out = subprocess.run(args, capture_output=True, text=True, check=True, env=env).stdout
        self.last = json.loads(out.strip().splitlines()[-1])
        return self.last["seconds_median"], self.last["cpu_seconds_median"]


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


def torch_forward(x, w, heads, causal):
    """nn.MultiheadAttention with the same weights (torch stores W transposed, packed)."""
    n, d = x.shape
    dtype = torch.float64 if x.dtype == np.float64 else torch.float32
    module = torch.nn.MultiheadAttention(d, heads, bias=False, batch_first=True, dtype=dtype)
    with torch.no_grad():
        module.in_proj_weight.copy_(torch.from_numpy(np.concatenate([m.T for m in w[:3]])))
        module.out_proj.weight.copy_(torch.from_numpy(np.ascontiguousarray(w[3].T)))
    module.eval()
    xt = torch.from_numpy(x).unsqueeze(0)
    mask = torch.nn.Transformer.generate_square_subsequent_mask(n, dtype=dtype) if causal else None

    def run():
        with torch.inference_mode():
            module(xt, xt, xt, need_weights=False, attn_mask=mask, is_causal=causal)
    return run


def median_time(work, repeat):
    """Median wall and process CPU seconds of `repeat` runs after one warm-up run."""
    work()
    wall, cpu = [], []
    for _ in range(repeat):
        start, start_cpu = time.perf_counter(), time.process_time()
        work()
        wall.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    return float(np.median(wall)), float(np.median(cpu))


def alternate(sides, rounds):
    """Median of `rounds` (wall, CPU) results of each side (None for a missing side), taking
    turns: a list of (wall, CPU) pairs."""
    def turn(side):
        # OpenBLAS's and OpenMP's worker threads spin for a while after their last call; a
        # side timed while they still do would share its cores with them.
        time.sleep(ARGS.settle)
        return side()

    results = [[turn(side) if side else None for side in sides] for _ in range(rounds)]
    return [None if sides[i] is None else
            tuple(float(np.median([r[i][part] for r in results])) for part in (0, 1))
            for i in range(len(sides))]


def forward_flops(n, d):
    return 8 * n * d * d + 4 * n * n * d


def main():
    sizes = [tuple(int(v) for v in s.split(",")) for s in ARGS.sizes] if ARGS.sizes else DEFAULT_SIZES
    dtypes = [np.dtype(name).type for name in ARGS.dtypes.split(",")]
    engine = Engine()
    rng = np.random.default_rng(1)
    engine.gemm(64, 64, np.float64, 1)
    print(f"# {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, {platform.machine()}, "
          f"{os.cpu_count()} CPUs; mha-cli cpu_level {engine.last.get('cpu_level')}, "
          f"{engine.last.get('threads')} threads (--threads {ARGS.threads or 'all'}); numpy {np.__version__}: {blas_description()}; "
          f"torch {torch.__version__ + ', ' + str(torch.get_num_threads()) + ' threads' if torch else 'not used'}; "
          f"median of {ARGS.rounds} alternating rounds of {ARGS.repeat} runs, {ARGS.settle} s apart; "
          f"load average {os.getloadavg()[0]:.1f}")
    rows = []
    peak = {}
    p = ARGS.peak_size
    for dtype in dtypes:
        a = rng.uniform(-1, 1, (p, p)).astype(dtype)
        b = rng.uniform(-1, 1, (p, p)).astype(dtype)
        wall, cpu = median_time(lambda: a @ b, max(1, ARGS.repeat // 2))
        # With one thread the peak is per CPU-second, which a shared machine disturbs less.
        peak[dtype] = 2 * p ** 3 / (cpu if ARGS.threads == 1 else wall) / 1e9
        print(f"# numpy GEMM peak {p}^3 {np.dtype(dtype).name}: {peak[dtype]:.1f} GFLOP/s "
              f"({'per CPU-second' if ARGS.threads == 1 else 'wall'})", flush=True)
        a = rng.uniform(-1, 1, (2048, 1024)).astype(dtype)
        b = rng.uniform(-1, 1, (1024, 1024)).astype(dtype)
        ta, tb = (torch.from_numpy(a), torch.from_numpy(b)) if torch else (None, None)
        times = alternate([lambda: engine.gemm(2048, 1024, dtype, ARGS.repeat),
                           (lambda: median_time(lambda: ta @ tb, ARGS.repeat)) if torch else None,
                           lambda: median_time(lambda: a @ b, ARGS.repeat)], ARGS.rounds)
        rows.append(("GEMM 2048x1024x1024", np.dtype(dtype).name, "-", *times,
                     peak[dtype], 2 * 2048 * 1024 * 1024))
        print_row(rows[-1], False)
    for (n, d, heads) in sizes:
        for causal in (False, True):
            mask = np.triu(np.ones((n, n), dtype=bool), k=1) if causal else None
            for dtype in dtypes:
                x = rng.uniform(-1, 1, (n, d)).astype(dtype)
                w = [rng.uniform(-1, 1, (d, d)).astype(dtype) / np.sqrt(d) for _ in range(4)]
                torch_run = torch_forward(x, w, heads, causal) if torch else None
                times = alternate(
                    [lambda: engine.forward(n, d, heads, causal, dtype, ARGS.repeat),
                     (lambda: median_time(torch_run, ARGS.repeat)) if torch else None,
                     lambda: median_time(lambda: numpy_forward(x, w, heads, mask), ARGS.repeat)],
                    ARGS.rounds)
                rows.append((f"forward n={n} d={d} h={heads}", np.dtype(dtype).name,
                             "yes" if causal else "no", *times, peak[dtype], forward_flops(n, d)))
                print_row(rows[-1], False)
    print(f"# load average at the end {os.getloadavg()[0]:.1f}")
    print()
    print("| case | dtype | causal | ours s | torch s | numpy s | GEMM peak GFLOP/s | ours GFLOP/s "
          "| share of peak | ours/torch | ours/numpy | ours CPU s | torch CPU s | numpy CPU s "
          "| ours/torch CPU | ours/numpy CPU |")
    print("|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for row in rows:
        print_row(row, True)


def print_row(row, markdown):
    """One table row. With --threads 1 the rate and share of peak are per CPU-second (the
    peak is then too); otherwise per wall second."""
    case, dtype, causal, ours, theirs_torch, theirs_numpy, peak, flops = row
    per_cpu = ARGS.threads == 1
    rate = flops / ours[1 if per_cpu else 0] / 1e9

    def ratio(theirs, part):
        return f"{ours[part] / theirs[part]:.2f}" if theirs and theirs[part] > 0 else "-"

    cells = (case, dtype, causal, f"{ours[0]:.4g}",
             f"{theirs_torch[0]:.4g}" if theirs_torch else "-", f"{theirs_numpy[0]:.4g}",
             f"{peak:.1f}", f"{rate:.1f}", f"{100 * rate / peak:.0f} %",
             ratio(theirs_torch, 0), ratio(theirs_numpy, 0),
             f"{ours[1]:.4g}", f"{theirs_torch[1]:.4g}" if theirs_torch else "-",
             f"{theirs_numpy[1]:.4g}", ratio(theirs_torch, 1), ratio(theirs_numpy, 1))
    if markdown:
        print("| " + " | ".join(cells) + " |")
    else:
        print("  ".join(cells), file=sys.stderr, flush=True)


if __name__ == "__main__":
    main()
