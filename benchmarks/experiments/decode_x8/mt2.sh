#!/usr/bin/env bash
# The uniform M = 9..16 kernel (MT = 2) under a register cap and / or with x per 32-k subchunk
# (fused_gemm_mt2_kernel, run-time switch ANYPREC_MT2_VARIANT = 1..4, g128 only) against the
# default (0), same build: M = 9, 12, 16, uniform b = 2, 3, 4, 5, 8 (and bf16 b = 4) on the
# Llama-3-8B weights. Then the whole of tests/gpu (X8 is on by default in this tree).
# Written in session 18. Device, repository root.
# Usage: OUT=dir bash benchmarks/experiments/decode_x8/mt2.sh   (SKIP_BUILD=1: the tree is built)
set -uo pipefail
source benchmarks/experiments/ab_lib.sh
ab_init decode_mt2
if [ "${SKIP_BUILD:-0}" != 1 ]; then rm -f vllm_anyprec/_C*.so; ab_build; fi
A=(--ms 9,12,16 --schemes uniform --bits 2,3,4,5,8
   --shapes 4096x28672,14336x4096,4096x6144,4096x4096)
ab_bench v0 . -- "${A[@]}"
ab_bench cap128 . ANYPREC_MT2_VARIANT=1 -- "${A[@]}"
ab_bench xsub . ANYPREC_MT2_VARIANT=2 -- "${A[@]}"
ab_bench xsub128 . ANYPREC_MT2_VARIANT=3 -- "${A[@]}"
ab_bench xsub80 . ANYPREC_MT2_VARIANT=4 -- "${A[@]}"
ab_bench v0b . -- "${A[@]}"
ab_report v0 cap128 xsub xsub128 xsub80 v0b
for v in 1 3 4; do
  ANYPREC_MT2_VARIANT=$v timeout 60 python3 -m pytest -q -x tests/gpu/test_cuda_kernels.py \
    -k "llama_shapes and uniform" > "$OUT/pytest_mt2_$v.log" 2>&1
  echo "tests (variant $v): $(tail -1 "$OUT/pytest_mt2_$v.log")"
done
timeout "${TEST_TIMEOUT:-330}" python3 -m pytest -q tests/gpu > "$OUT/pytest_all.log" 2>&1
echo "tests/gpu: $(tail -1 "$OUT/pytest_all.log")"
