#!/usr/bin/env bash
# LM (session 49; anyprec.cuh ANYPREC_LEAN_MASK, fused_gemm.cuh kLeanMask): the packed b = 2, 3
# nibble words left unmasked in decode_unit, in the kernels session 33's LEAN_ALU touched (the
# M = 1 uniform ring / PT, the LUT nibble kernels), with the shifts on the ALU pipe as in the
# default build. Session 35 timed LEAN_ALU (masks + FMA-pipe shifts + running ring pointers) at
# 0.94-0.97x and could not say which part lost; this times the masks alone.
# Against the default build (the tree) on one machine. Session 49 ran it while LM was off: the
# tree and /tmp/lm (-DANYPREC_LEAN_MASK=1), ratios lm / tree. With LM the default it builds the
# other side, /tmp/lm0 (-DANYPREC_LEAN_MASK=0), so the ratios read lm0 / tree (> 1: LM faster).
# Steps: the vLLM bundle's first half staged (carry .stage, for a later callB); both trees built
# at once; the b = 2, 3 decode tests on /tmp/lm0 (every fold at M = 1, 2..8, 9..16, long K,
# every M of the odd shape, the chunk tails, the LUT ring: 46 tests); two alternating passes of
# bench_kernels on both (both schemes, b = 2, 3, M = 1, 4, 16, the four Llama-3-8B weights,
# fp16); the ratios. Device, repository root, ~3 min with the start. OUT/leanmask.tgz (gpu.txt,
# tests, table.txt, ratios.txt) and OUT/runs.tgz (the runs).
# Usage: OUT=$OUT bash benchmarks/experiments/lean_mask/run.sh   # carry: .stage
set -uo pipefail
source benchmarks/experiments/ab_lib.sh
ab_flag_start leanmask lm0 -DANYPREC_LEAN_MASK=0
ab_pytest_in /tmp/lm0 "$R/tests_lm0.log" 150 tests/gpu/test_cuda_kernels.py -k \
  "(every_fold or long_k or all_m_odd_shape or chunk_tails or lut_m1_ring) and \
([2- or [3- or [2] or [3])"
ab_vs_tree lm0 base --schemes uniform,lut --bits 2,3 --ms 1,4,16
