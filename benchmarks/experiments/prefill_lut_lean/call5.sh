#!/usr/bin/env bash
# Session 48, call 5 (device, repository root, after call 4 on the same machine: the tree
# built): the decode -> prefill crossover for LUT b = 5..8 on the H100 (kernels/cuda_fused.py
# hopper_prefill_min_m; session 28 measured it on the H200): prefill_wgmma/bench.py, the op's
# plan (timed last) against the decode kernel forced, M = 17..32, the four Llama-3-8B weights.
# OUT/cross.log, OUT/prefill_wgmma.{json,png}.
# Usage: OUT=$OUT bash benchmarks/experiments/prefill_lut_lean/call5.sh
set -uo pipefail
OUT=${OUT:-device_out}
mkdir -p "$OUT"
PYTHONPATH=$PWD timeout 200 python3 benchmarks/experiments/prefill_wgmma/bench.py --out "$OUT" \
  --schemes lut --bits 5,6,7,8 --ms 17,20,24,28,32 --decode-max-m 32 --auto-last \
  > "$OUT/cross.log" 2>&1
echo "bench rc=$?"
cat "$OUT/cross.log"
