#!/usr/bin/env bash
# LO (session 45; fused_gemm.cuh ANYPREC_LUT_WIDE_OR, anyprec.cuh lw_or_addr): the LUT b = 5, 6
# per-lane tables at 256 bytes per code, aligned to their size, so that one of each word's four
# lookup addresses is one and-or instead of two ops (SASS chunk loop, sm_90a: b = 5 MT = 1
# 583 -> 551 instructions, b = 6 1170 -> 1097 per two chunks; registers 90 -> 89, 113 -> 106).
# Against the default build (the tree) on one machine. Steps: the vLLM bundle's first half
# staged for a later callB (carry .stage); the tree and /tmp/lo built at once
# (-DANYPREC_LUT_WIDE_OR=0x60); the LUT tests on /tmp/lo (every M of the odd shape, the chunk
# tails, the Llama weights, graphs); two alternating passes of bench_kernels on both (LUT,
# b = 5, 6, M = 1, 4, 16, the four Llama-3-8B weights, fp16); the ratios (lo time / tree time:
# < 1, LO is faster). Device, repository root, ~5 min with the start. OUT/lutor.tgz (gpu.txt,
# tests, table.txt, ratios.txt) and OUT/runs.tgz (the runs).
# Usage: OUT=$OUT bash benchmarks/experiments/lut_wide_or/run.sh   # carry: .stage
set -uo pipefail
source benchmarks/experiments/ab_lib.sh
ab_flag_start lutor lo -DANYPREC_LUT_WIDE_OR=0x60
ab_pytest_in /tmp/lo "$R/tests_lo.log" 150 tests/gpu/test_cuda_kernels.py -k \
  "lut and (all_m_odd_shape or chunk_tails or llama_shapes or cuda_graph)"
ab_vs_tree lo base --schemes lut --bits 5,6 --ms 1,4,16
