#!/usr/bin/env bash
# The prefill plan's per-b LUT chunk costs (ops.cpp prefill_plan, session 25) checked on the
# device (repository root, one call): build; tests/gpu/test_prefill_wgmma.py; bench.py for LUT
# b = 2, 4, 8, M = 64..1024 with every grid either cost model picks forced (plans_picks.py
# compares the picks of session 24's costs and these from the forced times offline).
# Usage: OUT=$OUT bash benchmarks/experiments/prefill_lut_lanes/plans.sh
source benchmarks/experiments/ab_lib.sh  # (set -uo pipefail, ab_build)
OUT=${OUT:-device_out}
mkdir -p "$OUT"
export PYTHONPATH=$PWD
ab_build
timeout 100 python3 -m pytest -q -p no:cacheprovider tests/gpu/test_prefill_wgmma.py 2>&1 | tail -2
s=$(date +%s)
timeout 250 python3 benchmarks/experiments/prefill_wgmma/bench.py --out "$OUT" --schemes lut \
  --bits 2,4,8 --ms 64,128,256,384,512,1024 --decode-max-m 0 \
  --plans 128x1,128x2,128x4,128x8,256x1,256x2,256x4 > "$OUT/plans.txt" 2>&1
echo "bench rc=$? in $(( $(date +%s) - s )) s"
python3 benchmarks/experiments/prefill_lut_lanes/plans_picks.py "$OUT/prefill_wgmma.json"
