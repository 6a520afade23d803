#!/usr/bin/env bash
# Session 26, last call (device, repository root): the record's (4096, 6144) M = 1024 cells again
# with the crossovers fixed after the record (MID_WEIGHT: dense at 1024), every b, both schemes.
# Usage: OUT=$OUT bash benchmarks/experiments/h200_record_s26/call3.sh
set -uo pipefail
OUT=${OUT:-device_out}
source benchmarks/experiments/ab_lib.sh
ab_build
PYTHONPATH=$PWD timeout 200 python3 scripts/bench_kernels.py --out "$OUT" --shapes 4096x6144 \
  --ms 1024 > "$OUT/bench_mid.log" 2>&1
echo "bench rc=$?"; tail -40 "$OUT/bench_mid.log"
