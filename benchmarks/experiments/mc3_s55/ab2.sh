#!/usr/bin/env bash
# Session 55, the second call of ab.sh's plan (README.md here; the same machine, its build):
# the rule against WR (ANYPREC_WR=2), its GPU tests (wring) and the ncu of MC3 at M = 16 on (4096, 28672), b = 4.
# OUT/wr.tgz (table_wr.txt, ratios_wr.txt), OUT/tests_wr.log, OUT/runs.tgz, OUT/mc3_ncu_summary.txt.
# Usage: OUT=$OUT bash benchmarks/experiments/mc3_s55/ab2.sh
set -uo pipefail
source benchmarks/experiments/ab_lib.sh
ab_start wr
ls vllm_anyprec/_C*.so > /dev/null 2>&1 || ab_build
AB_SET=wr ab_switch_passes "base" "wr ANYPREC_WR=2" -- --schemes uniform --bits 3,4,5,7,8 \
  --ms 4,8,12,16 --shapes 4096x28672,4096x6144,14336x4096
echo "A/B done in $(( $(date +%s) - AB_START )) s"
ab_pytest "$OUT/tests_wr.log" 200 tests/gpu/test_cuda_kernels.py -k "wring"
ab_pack
ANYPREC_MC3=2 MEM=1 ncu_op_cells mc3_ncu 16 "4096 28672" "uniform 4"
ab_pack
