#!/usr/bin/env bash
# Prepared in session 40 for the next device session (device, repository root, a fresh
# machine): the tree built, then the ncu of one configuration per missed target
# (../targets_ncu/run.sh) on session 40's defaults: LUT M = 1 at b = 2, 3 now runs the register
# kernel (fused_gemm_kernel) instead of the ring, so session 39's LUT M = 1 profiles no longer
# describe those cells; the rest should repeat session 39's (record_s39/runs/). ~6 min with the
# start. Outputs: OUT/build.log, OUT/ncu_targets_raw_*.txt, OUT/ncu_targets_summary.txt.
# Usage: OUT=$OUT bash benchmarks/experiments/record_s40/ncu.sh
set -uo pipefail
source benchmarks/experiments/ab_lib.sh
OUT=${OUT:-device_out}
mkdir -p "$OUT"
ab_build
OUT=$OUT bash benchmarks/experiments/targets_ncu/run.sh
