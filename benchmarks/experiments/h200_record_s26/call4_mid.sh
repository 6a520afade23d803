#!/usr/bin/env bash
# Session 26, last call (device, repository root): where (4096, 6144) should go dense between
# M = 512 (fused 15% ahead) and 1024 (dense ahead): the op's own prefill plan against
# dequantize + cuBLAS at M = 512..1024, b = 3, 4, 8, both schemes.
# Usage: OUT=$OUT bash benchmarks/experiments/h200_record_s26/call4_mid.sh
set -uo pipefail
OUT=${OUT:-device_out}
source benchmarks/experiments/ab_lib.sh
ab_build
PYTHONPATH=$PWD timeout 150 python3 benchmarks/experiments/prefill_wgmma/bench.py --auto-last \
  --out "$OUT" --shapes 4096x6144 --ms 512,640,768,896,1024 --bits 3,4,8 --decode-max-m 0 \
  > "$OUT/mid.txt" 2>&1
echo "bench rc=$?"; cat "$OUT/mid.txt"
