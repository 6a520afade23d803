#!/usr/bin/env bash
# Session 14's record, first of two back-to-back calls (device, repository root, carry .stage:
# the first half of the vLLM bundle): stages the half, builds, profiles the M = 1 kernels of the
# targets still missed (uniform b = 3, 4, 5; b = 7 for the new default) with instruction counts,
# and times forced warps per block for the ring kernel at b = 4, 5 (is the wave model's choice
# the best?). The second call (.stage2/callB.sh) installs vLLM and runs scripts/bench_kernels.py.
# Usage: OUT=dir bash benchmarks/experiments/h200_record_s14/callA.sh
set -uo pipefail
mkdir -p /tmp/vllm-stage && cp -f .stage/* /tmp/vllm-stage/ 2>/dev/null
source benchmarks/experiments/ab_lib.sh
ab_init record_s14
ls vllm_anyprec/_C*.so > /dev/null 2>&1 || ab_build
export PYTHONPATH=$PWD
OUT=$OUT CFGS="uniform 3|uniform 4|uniform 5|uniform 7" \
  bash benchmarks/experiments/h100_record/profile_m1.sh > "$OUT/ncu_summary.txt" 2>&1
cat "$OUT/ncu_summary.txt"
ARGS=(--ms 1 --schemes uniform --bits 4,5 --shapes 14336x4096,4096x28672,4096x14336,4096x6144)
TAGS=(base)
ab_bench base . -- "${ARGS[@]}"
for w in 2 4 8 12 16; do
  ab_bench w$w . ANYPREC_DECODE_PT=0 ANYPREC_DECODE_WARPS=$w -- "${ARGS[@]}"
  TAGS+=(w$w)
done
ab_report "${TAGS[@]}"
