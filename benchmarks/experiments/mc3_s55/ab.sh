#!/usr/bin/env bash
# Session 55 (README.md here): MC3, MC's weights through a per-warp cp.async ring in shared
# memory (2..4 stages) instead of the register double buffer (fused_gemm.cuh,
# fused_gemm_mt2cap3_kernel; off by default, ANYPREC_MC3=2 puts it wherever MC runs).
#   1. MC (the rule) against MC3 with 2 / 3 / 4 stages: uniform b = 3, 4, M = 9, 12, 16, fp16
#      and bf16 as bench_kernels times them, five weights (two alternating passes);
#   2. the GPU tests of the three MC3 switch runs (mcring, mcring2, mcring4: every fold at
#      M = 9..16, the Llama weights, graphs; each must log "anyprec MC3:");
# and, in a second call on the same machine (ab2.sh):
#   3. the rule against WR (the plain uniform register kernel's weights through the same ring,
#      ANYPREC_WR=2): uniform b = 3, 4, 5, 7, 8 (b = 6 runs X8 / XB on the wide weight), M = 4,
#      8, 12, 16, three weights (two alternating passes); the GPU tests of WR (wring);
#   4. ncu of uniform b = 4 at M = 16 on (4096, 28672) with MC3 (3 stages) and the L1 / L2
#      traffic, against session 54's MC profile (../mc_warps_s54/).
# ~7 min with the build (ab2.sh ~4 min more). OUT/build.log, OUT/tests_mc3.log,
# OUT/mc3.tgz (table_mc3.txt, ratios_mc3.txt), OUT/runs_mc3.tgz.
# ab2.sh: OUT/wr.tgz, OUT/tests_wr.log, OUT/runs.tgz, OUT/mc3_ncu_summary.txt.
# Usage: OUT=$OUT bash benchmarks/experiments/mc3_s55/ab.sh; then (warm) ab2.sh
set -uo pipefail
source benchmarks/experiments/ab_lib.sh
ab_start mc3
ls vllm_anyprec/_C*.so > /dev/null 2>&1 || ab_build
AB_SET=mc3 ab_switch_passes "mc" "st2 ANYPREC_MC3=2 ANYPREC_MC3_STAGES=2" \
  "st3 ANYPREC_MC3=2 ANYPREC_MC3_STAGES=3" "st4 ANYPREC_MC3=2 ANYPREC_MC3_STAGES=4" \
  -- --schemes uniform --bits 3,4 --ms 9,12,16 \
  --shapes 4096x28672,4096x4096,14336x4096,4096x14336,8192x28672
mv "$OUT/runs.tgz" "$OUT/runs_mc3.tgz"
echo "A/B done in $(( $(date +%s) - AB_START )) s"
ab_pytest "$OUT/tests_mc3.log" 240 tests/gpu/test_cuda_kernels.py -k "mcring"
ab_pack
