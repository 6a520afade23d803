#!/usr/bin/env bash
# Session 29, call 2 (device, repository root; ~7 min): ncu of the lean 64-token kernel against
# the full one on the grid the plan now takes (uniform (4096, 28672), M = 32, 64 x 1: 224
# blocks; b = 4, and b = 6 whose lean fp16 kernel spills 20 bytes), then the CUDA kernel tests
# on this build (test_cuda_kernels.py without the kernel-switch runs, unchanged decode
# kernels). Everything in OUT/c2.tgz.
# Usage: OUT=$OUT bash benchmarks/experiments/prefill_lean/call2.sh
source benchmarks/experiments/ab_lib.sh  # (set -uo pipefail)
ab_rundir c2
OUT=$R ab_build
OUT=$R ncu_init ncu_lean_raw.txt
for b in 4 6; do
  for p in 1 2; do
    ncu_prefill "uniform b=$b 64x1x$p (4096, 28672) M=32" uniform $b 4096 28672 32 64 1 $p -- \
      "${NCU_PREFILL_SECTIONS[@]}"
  done
done
ncu_prefill_summary > $R/ncu_lean_summary.txt 2>&1
cat $R/ncu_lean_summary.txt
ab_pack
ab_pytest "$R/tests_kernels.log" 300 tests/gpu/test_cuda_kernels.py -k "not kernel_switches"
ab_pack
