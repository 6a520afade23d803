#!/usr/bin/env bash
# Session 55: all.sh cut to what a short device budget holds (README.md here): the build, MC vs
# MC3 (3 stages) at uniform b = 3, 4, M = 9, 16 on (4096, 28672) and (14336, 4096), the rule vs
# WR at b = 4, 5, 8, M = 4, 16 on the same weights (two alternating passes each), then the GPU
# tests (mcring, wring) under 120 s. OUT: build.log, mc3.tgz, wr.tgz, runs.tgz, tests_mc3.log.
# Usage: OUT=$OUT bash benchmarks/experiments/mc3_s55/mini.sh
set -uo pipefail
source benchmarks/experiments/ab_lib.sh
ab_start mc3
ls vllm_anyprec/_C*.so > /dev/null 2>&1 || ab_build
echo "built in $(( $(date +%s) - AB_START )) s"
AB_SET=mc3 ab_switch_passes "mc" "st3 ANYPREC_MC3=2 ANYPREC_MC3_STAGES=3" \
  -- --schemes uniform --bits 3,4 --ms 9,16 --shapes 4096x28672,14336x4096
echo "MC3 A/B done at $(( $(date +%s) - AB_START )) s"
ab_rundir wr
AB_SET=wr ab_switch_passes "base" "wr ANYPREC_WR=2" -- --schemes uniform --bits 4,5,8 \
  --ms 4,16 --shapes 4096x28672,14336x4096
echo "WR A/B done at $(( $(date +%s) - AB_START )) s"
ab_pytest "$OUT/tests_mc3.log" 120 tests/gpu/test_cuda_kernels.py \
  -k "(mcring and not mcring2 and not mcring4) or wring"
echo "all done at $(( $(date +%s) - AB_START )) s"
