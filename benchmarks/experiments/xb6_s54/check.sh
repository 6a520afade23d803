#!/usr/bin/env bash
# Session 54 (README.md here): XB by its rule at b = 6 alone (M >= 9, at least one 8-tile block
# per SM), on by default, on a fresh machine: the build, the GPU tests of the kernels it moves
# (xb_rule_wide: b = 6 now launches XB by default; m9_16) and the switch runs xbrule / xboff,
# then the rule against XB off (uniform b = 5..7, M = 8, 9, 12, 16, three wide weights; two
# passes). ~4 min with the build. OUT/build.log, OUT/tests_*.log, OUT/xb6.tgz, OUT/runs.tgz.
# Usage: OUT=$OUT bash benchmarks/experiments/xb6_s54/check.sh
set -uo pipefail
source benchmarks/experiments/ab_lib.sh
ab_start xb6
ls vllm_anyprec/_C*.so > /dev/null 2>&1 || ab_build
ab_pytest "$OUT/tests_default.log" 120 tests/gpu/test_cuda_kernels.py -k "xb_rule_wide or m9_16"
ab_pytest "$OUT/tests_switches.log" 120 tests/gpu/test_cuda_kernels.py -k "xbrule or xboff"
AB_SET=xb ab_switch_passes "xbrule" "xboff ANYPREC_DECODE_XB=0" -- --schemes uniform \
  --bits 5,6,7 --ms 8,9,12,16 --shapes 4096x28672,8192x28672,4096x14336
