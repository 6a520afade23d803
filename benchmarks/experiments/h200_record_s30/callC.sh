#!/usr/bin/env bash
# Session 30, call C (device, repository root, carry .stage; ~3 min): the decode swap rule as
# refined on call A's A/B (fused_gemm.cuh kSwap: LUT b >= 6, uniform M <= 8 at b >= 4, uniform
# M = 9..16 at b = 8) against never swapping, then the record's second call (callB) right after.
# Stages the vLLM bundle's first part, builds the tree and a copy with -DANYPREC_DECODE_SWAP=0,
# bench_kernels at M = 2, 8, 12, 16, b = 4..8, both schemes, two passes side by side, and the
# decode tests that reach the swapped kernels. OUT/c.tgz and OUT/runs.tgz.
# Usage: OUT=$OUT bash benchmarks/experiments/h200_record_s30/callC.sh
source benchmarks/experiments/ab_lib.sh  # (set -uo pipefail)
export AB_TIMEOUT=${AB_TIMEOUT:-150}
ab_stage_vllm .stage
ab_rundir c
nvidia-smi --query-gpu=name,clocks.sm,clocks.mem --format=csv > $R/gpu.txt
ab_swap_ab swap30c --ms 2,8,12,16 --schemes uniform,lut --bits 4,5,6,7,8
ab_pack
ab_pytest "$R/tests_decode.log" 200 tests/gpu/test_cuda_kernels.py \
  -k "m2_8 or m9_16 or all_m_odd_shape or llama_shapes or opcheck or end_to_end or cuda_graph"
ab_pack
