#!/usr/bin/env bash
# XS off by default and PT for b = 7, 8 by its rule (session 14): rebuild, time the new default
# against XS (ANYPREC_DECODE_XS=1) at M = 1, 2, 16 for b = 7, 8, ncu the M = 1 kernels of
# b = 3, 4, 5, 7 on the targets' two weights (instructions, DRAM, stalls), then tests/gpu.
# Usage (device, repository root): OUT=dir bash benchmarks/experiments/decode_xs/verify.sh
set -uo pipefail
source benchmarks/experiments/ab_lib.sh
ab_init decode_xs_verify
rm -f vllm_anyprec/_C*.so
ab_build
export PYTHONPATH=$PWD
ARGS=(--ms 1,2,16 --schemes uniform --bits 7,8
      --shapes 4096x6144,4096x4096,4096x28672,14336x4096,4096x14336)
ab_bench new . -- "${ARGS[@]}"
ab_bench xs . ANYPREC_DECODE_XS=1 -- "${ARGS[@]}"
ab_bench new2 . -- "${ARGS[@]}"
ab_report new xs new2
OUT=$OUT CFGS="uniform 3|uniform 4|uniform 5|uniform 7" \
  bash benchmarks/experiments/h100_record/profile_m1.sh > "$OUT/ncu_summary.txt" 2>&1
cat "$OUT/ncu_summary.txt"
timeout ${TEST_TIMEOUT:-300} python3 -m pytest -q -x tests/gpu 2>&1 | tail -4
