#!/usr/bin/env bash
# Session 28, call 2 (device, repository root; ~8 min): the prefill tests with their results
# kept (call 1's scrolled out of the output), a compute-sanitizer memcheck of the 64-token grids,
# and the forced grids of call 1 on all four Llama-3-8B weights at M = 17..128 with the decode
# kernel up to 64 (the decode -> prefill crossover). Everything packed in OUT/c2.tgz.
# Usage: OUT=$OUT bash benchmarks/experiments/prefill_tok64/call2.sh
set -uo pipefail
OUT=${OUT:-device_out}
mkdir -p "$OUT"
source benchmarks/experiments/ab_lib.sh
T0=$(date +%s)
R=/tmp/c2 && rm -rf $R && mkdir -p $R
OUT=$R ab_build
echo "build $(( $(date +%s) - T0 )) s"
ab_pytest "$R/tests_prefill.log" 150 tests/gpu/test_prefill_wgmma.py
s=$(date +%s)
PYTHONPATH=$PWD timeout ${BENCH_S:-260} python3 benchmarks/experiments/prefill_wgmma/bench.py \
  --auto-last --out "$R/tok64" --bits 3,4,8 --ms ${MS:-17,20,24,32,48,64,96,128} \
  --decode-max-m 64 --plans 64x1,64x2,64x4,128x1,128x2,128x4 > "$R/tok64.txt" 2>&1
echo "bench rc=$? in $(( $(date +%s) - s )) s"
tar czf "$OUT/c2.tgz" -C $R . 
s=$(date +%s)
OUT=$R ab_memcheck tests/gpu/test_prefill_wgmma.py "(token_blocks and 64) or (graph and 64)"
echo "memcheck in $(( $(date +%s) - s )) s"
tar czf "$OUT/c2.tgz" -C $R .
