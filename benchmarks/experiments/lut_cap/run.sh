#!/usr/bin/env bash
# LC (session 41; fused_gemm.cuh, fused_gemm_lutcap_kernel): LUT at M <= 8, b >= 5 under a
# register cap of 96 or 80, against the plain kernel (120 / 117 / 113 / 89 registers at b = 8 /
# 7 / 6 / 5, so 4 four-warp blocks per SM at b = 6..8). One build with -DANYPREC_LUT_CAP=1 (both
# caps compiled; ptxas, sm_90a: no spills at 96 for b = 5..8, at 80 for b = 5, 6; 72 / 152 bytes
# at b = 7 / 8), the cap chosen at run time (ANYPREC_LUT_CAP_REGS = 0 / 96 / 80), so that the
# three run the same binary. Steps: the build; the LUT tests under each cap (every M of the odd
# shape, the chunk tails, the Llama weights, graphs: b >= 5 at M <= 8 take LC); two
# alternating passes of bench_kernels (LUT, b = 5..8, M = 1, 4, 8, the four Llama-3-8B
# weights); the ratios (plain time / capped time: > 1, the cap is faster). Device, repository
# root, ~5 min with the start. OUT/lutcap.tgz (logs, tests) and OUT/runs.tgz (the runs).
# Usage: OUT=$OUT bash benchmarks/experiments/lut_cap/run.sh
set -uo pipefail
source benchmarks/experiments/ab_lib.sh
ab_rundir lutcap
ab_init lutcap
export ANYPREC_NVCC_FLAGS="-DANYPREC_LUT_CAP=1"
ab_build
ab_pack
for cap in 96 80; do
  # (-s: the launch log's "anyprec LC" lines into the log)
  ANYPREC_LUT_CAP_REGS=$cap ab_pytest "$R/tests_c$cap.log" 90 -s \
    tests/gpu/test_cuda_kernels.py -k \
    "lut and (all_m_odd_shape or chunk_tails or llama_shapes or cuda_graph)"
  grep -h "anyprec LC" "$R/tests_c$cap.log" | sort -u | head -4
  ab_pack
done
export AB_TIMEOUT=60
ARGS=(--schemes lut --bits 5,6,7,8 --ms 1,4,8)
for pass in 1 2; do
  ab_bench_each "base$pass" "c96_$pass ANYPREC_LUT_CAP_REGS=96" \
    "c80_$pass ANYPREC_LUT_CAP_REGS=80" -- "${ARGS[@]}"
done
grep -h "anyprec LC" "$RUNS"/c*.log | sort -u | head -8
ab_finish base1 c96_1 c80_1 base2 c96_2 c80_2
cp "$RUNS/table.txt" "$R/table.txt"
ab_ratios "$R/ratios.txt" base1 base2 c96_1,c96_2 c80_1,c80_2
ab_pack
