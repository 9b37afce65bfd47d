#!/usr/bin/env bash
# Measures `mha-cli decode` against `run --causal` (issue 15), on a release build:
#   swift build -c release && benchmarks/decode/measure.sh [.build/release/mha-cli]
# 1. a 2048-row file at d_model 1024, 16 heads: decode vs run --causal, median of 3 each;
# 2. a lone row's latency through a pipe (d_model 1024, 16 heads), median of 20 rows;
# 3. tokens/s for a stream of 20 000 rows at d_model 64 (4 heads), and its peak RSS.
set -euo pipefail
bin="${1:-.build/release/mha-cli}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
python3 - "$work" <<'PY'
import random, sys
random.seed(3)
folder = sys.argv[1]
with open(f"{folder}/h1024.csv", "w") as f:
    for _ in range(2048): f.write(",".join(f"{random.uniform(-1, 1):.6f}" for _ in range(1024)) + "\n")
with open(f"{folder}/h64.csv", "w") as f:
    for _ in range(20000): f.write(",".join(f"{random.uniform(-1, 1):.6f}" for _ in range(64)) + "\n")
PY
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
seconds() { local s e; s=$(date +%s.%N); "$@" > /dev/null; e=$(date +%s.%N); echo "$e - $s" | bc; }
common=(--weights random:1 --heads 16)
run_t=$(for _ in 1 2 3; do seconds "$bin" run -x "$work/h1024.csv" "${common[@]}" --causal --format csv; done | median)
dec_t=$(for _ in 1 2 3; do seconds "$bin" decode -x "$work/h1024.csv" "${common[@]}"; done | median)
echo "2048 rows, d 1024, 16 heads: run --causal ${run_t} s, decode ${dec_t} s, ratio $(echo "scale=2; $dec_t / $run_t" | bc)"
python3 - "$bin" "$work" <<'PY'
import subprocess, sys, time, statistics
binary, folder = sys.argv[1], sys.argv[2]
rows = open(f"{folder}/h1024.csv").read().splitlines()
p = subprocess.Popen([binary, "decode", "--weights", "random:1", "--heads", "16"], stdin=subprocess.PIPE,
                     stdout=subprocess.PIPE, bufsize=0)
latencies = []
for i in range(21):
    start = time.perf_counter()
    p.stdin.write((rows[i] + "\n").encode())
    p.stdout.readline()
    if i > 0: latencies.append(time.perf_counter() - start)   # the first includes start-up
p.stdin.close(); p.wait()
print(f"lone row latency (d 1024, 16 heads, cache 1..20 tokens): median {statistics.median(latencies) * 1000:.2f} ms")
PY
/usr/bin/time -f "%e s %M KB" -o "$work/time" "$bin" decode --weights random:1 --heads 4 < "$work/h64.csv" > /dev/null
read -r elapsed _ rss _ < "$work/time"
echo "stream of 20000 rows, d 64, 4 heads: ${elapsed} s, $(echo "20000 / $elapsed" | bc) tokens/s, peak RSS $((rss / 1024)) MB"
cat "$work/h64.csv" | /usr/bin/time -f "%e s %M KB" -o "$work/time" "$bin" decode --weights random:1 --heads 4 --window 256 > /dev/null
read -r elapsed _ rss _ < "$work/time"
echo "the same with --window 256: ${elapsed} s, peak RSS $((rss / 1024)) MB"
