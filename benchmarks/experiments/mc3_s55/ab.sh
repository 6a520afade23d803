#!/usr/bin/env bash
# Session 55 (README.md here): MC3, MC's weights through a per-warp cp.async ring in shared
# memory (2..4 stages) instead of the register double buffer (fused_gemm.cuh,
# fused_gemm_mt2cap3_kernel; off by default, ANYPREC_MC3=2 puts it wherever MC runs).
#   1. the GPU tests of the three MC3 switch runs (mcring, mcring2, mcring4: every fold at
#      M = 9..16, the Llama weights, graphs; each must log "anyprec MC3:");
#   2. MC (the rule) against MC3 with 2 / 3 / 4 stages: uniform b = 3, 4, M = 9, 12, 16, fp16
#      and bf16 as bench_kernels times them, five weights (two alternating passes);
#   3. ncu of uniform b = 4 at M = 16 on (4096, 28672) with MC3 (3 stages) and the L1 / L2
#      traffic, against session 54's MC profile (../mc_warps_s54/).
# ~6 min with the build. OUT/build.log, OUT/tests_mc3.log, OUT/mc3.tgz (table.txt, ratios.txt),
# OUT/runs.tgz, OUT/mc3_ncu_summary.txt.
# Usage: OUT=$OUT bash benchmarks/experiments/mc3_s55/ab.sh
set -uo pipefail
source benchmarks/experiments/ab_lib.sh
ab_start mc3
ls vllm_anyprec/_C*.so > /dev/null 2>&1 || ab_build
ab_pytest "$OUT/tests_mc3.log" 240 tests/gpu/test_cuda_kernels.py -k "mcring"
ab_pack
ab_switch_passes "mc" "st2 ANYPREC_MC3=2 ANYPREC_MC3_STAGES=2" \
  "st3 ANYPREC_MC3=2 ANYPREC_MC3_STAGES=3" "st4 ANYPREC_MC3=2 ANYPREC_MC3_STAGES=4" \
  -- --schemes uniform --bits 3,4 --ms 9,12,16 \
  --shapes 4096x28672,4096x4096,14336x4096,4096x14336,8192x28672
echo "A/B done in $(( $(date +%s) - AB_START )) s"
ANYPREC_MC3=2 MEM=1 ncu_op_cells mc3_ncu 16 "4096 28672" "uniform 4"
ab_pack
