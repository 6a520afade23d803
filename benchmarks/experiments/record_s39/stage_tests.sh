#!/usr/bin/env bash
# Session 39, before the record (device, repository root, carry .stage): stage_build.sh (the
# vLLM bundle's first part staged, the tree built as committed, now with ANYPREC_X_FULL on:
# every register decode kernel but uniform b = 6 at M = 9..16), then the GPU tests of that
# default: tests/gpu whole but the switch runs (every M, b, scheme, dtype, fold, the chunk
# tails, odd shapes, graphs, prefill), and the switch runs that move launches onto the other
# register kernels X_FULL changes (mcall: MC at every M = 9..16 test; pairs0: the LUT b = 4 NP
# instances; eight0: X8 off, so M = 2..8 runs the register kernels; pipe0: the M = 1 register
# kernels), and since session 39's end the two width masks' runs (ptst, lpbits). ~6 min on a
# fresh machine. OUT/build.log, OUT/stage_build.log, OUT/tests_*.log.
# Usage: OUT=$OUT bash benchmarks/experiments/record_s39/stage_tests.sh
set -uo pipefail
bash benchmarks/experiments/h200_record_s35/stage_build.sh || exit 1
source benchmarks/experiments/ab_lib.sh
OUT=${OUT:-device_out}
nvidia-smi --query-gpu=name,clocks.max.sm,clocks.max.mem --format=csv,noheader
ab_pytest "$OUT/tests_default.log" 240 tests/gpu -k "not m1_kernel_switches"
# (SWITCH_K / SWITCH_SECS: another session's switch runs, record_s40/stage_tests.sh)
ab_pytest "$OUT/tests_switches.log" "${SWITCH_SECS:-150}" tests/gpu/test_cuda_kernels.py -k \
  "${SWITCH_K:-mcall or pairs0 or eight0 or pipe0 or ptst or lpbits}"
