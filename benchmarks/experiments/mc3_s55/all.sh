#!/usr/bin/env bash
# Session 55 (README.md here), one call with the timings first and the GPU tests last under
# their own time limit, so that a call cut short keeps the A/Bs: the build, MC vs MC3, the rule
# vs WR (ANYPREC_WR=2), the ncu of MC3 at M = 16 on (4096, 28672), b = 4, then the tests
# (mcring, wring: each must log its kernel). ~7 min with the build. OUT: build.log, mc3.tgz,
# wr.tgz, runs.tgz (both A/Bs), mc3_ncu_raw.txt, mc3_ncu_summary.txt, tests_mc3.log.
# The sets (environment, defaults below): MC3_STAGES (space-separated ring depths, one MC3
# variant each), MC3_BITS MC3_MS MC3_SHAPES, WR_BITS WR_MS WR_SHAPES; NCU=0 leaves the ncu out;
# TEST_SECS (170). mini.sh is this on fewer cells.
# Usage: OUT=$OUT bash benchmarks/experiments/mc3_s55/all.sh
set -uo pipefail
source benchmarks/experiments/ab_lib.sh
ab_start mc3
ls vllm_anyprec/_C*.so > /dev/null 2>&1 || ab_build
echo "built in $(( $(date +%s) - AB_START )) s"
specs=()
for st in ${MC3_STAGES:-3}; do specs+=("st$st ANYPREC_MC3=2 ANYPREC_MC3_STAGES=$st"); done
AB_SET=mc3 ab_switch_passes "mc" "${specs[@]}" -- --schemes uniform --bits "${MC3_BITS:-3,4}" --ms "${MC3_MS:-9,12,16}" \
  --shapes "${MC3_SHAPES:-4096x28672,4096x4096,14336x4096,8192x28672}"
echo "MC3 A/B done at $(( $(date +%s) - AB_START )) s"
ab_rundir wr
AB_SET=wr ab_switch_passes "base" "wr ANYPREC_WR=2" -- --schemes uniform \
  --bits "${WR_BITS:-3,4,5,7,8}" --ms "${WR_MS:-4,8,12,16}" \
  --shapes "${WR_SHAPES:-4096x28672,4096x6144,14336x4096}"
echo "WR A/B done at $(( $(date +%s) - AB_START )) s"
[ "${NCU:-1}" = 0 ] || ANYPREC_MC3=2 MEM=1 ncu_op_cells mc3_ncu 16 "4096 28672" "uniform 4"
ab_pytest "$OUT/tests_mc3.log" "${TEST_SECS:-170}" tests/gpu/test_cuda_kernels.py \
  -k "(mcring and not mcring2 and not mcring4) or wring"
echo "all done at $(( $(date +%s) - AB_START )) s"
