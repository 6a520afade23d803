#!/usr/bin/env bash
# Programmatic dependent launch, call 3 (device, repository root, ~5 min): the prefill plan's
# own pick (timed last) next to nine forced grids with PDL on (the default), b = 4, both
# schemes, M = 32, 128, 256, the four Llama-3-8B weights: does the plan's per-block cost
# (ops.cpp kBlockUs, the prologue, which PDL now overlaps) still pick the best grid?
# OUT/plan.tgz (bench.py's JSON, its table).
# Usage: OUT=$OUT bash benchmarks/experiments/prefill_pdl/call3.sh
source benchmarks/experiments/ab_lib.sh  # (set -uo pipefail)
ab_rundir plan
nvidia-smi --query-gpu=name,clocks.sm,clocks.mem --format=csv > "$R/gpu.txt"
OUT=$R ab_build
s=$(date +%s)
PYTHONPATH=$PWD timeout 200 python3 benchmarks/experiments/prefill_wgmma/bench.py --auto-last \
  --out "$R/plan" --schemes uniform,lut --bits 4 --ms 32,128,256 --decode-max-m 0 \
  --plans 64x1,64x4,128x1,128x2,128x4,256x1,256x2,64x1x2,64x2x2 > "$R/plan.txt" 2>&1
echo "plan bench rc=$? in $(( $(date +%s) - s )) s"
cat "$R/plan.txt"
ab_pack
