#!/usr/bin/env bash
# Session 27, call 1 (device, repository root, ~7 min): the warp-specialised prefill blocks
# (-DANYPREC_PREFILL_WS, 128-token blocks) against this tree's interleaved schedule.
# 1. variants.sh: both builds, tests/gpu/test_prefill_wgmma.py on each, prefill_wgmma/bench.py
#    with the 128- and 256-token grids forced (both schemes, b = 3, 4, 8, M = 256, 1024; the WS
#    build changes only the 128-token grid, so its 256-token column is a same-call control);
# 2. ncu of the WS kernel (uniform and LUT b = 4, (4096, 4096), M = 4096, 128-token blocks) if
#    its tests passed: where the stage time goes once the consumers only load and issue wgmma.
# Usage: OUT=$OUT bash benchmarks/experiments/prefill_ws/call1.sh
set -uo pipefail
OUT=${OUT:-device_out}
mkdir -p "$OUT"
TESTS=tests/gpu/test_prefill_wgmma.py BITS=3,4,8 MS=256,1024 OUT=$OUT/ab \
  bash benchmarks/experiments/variants.sh ws="-DANYPREC_PREFILL_WS" > "$OUT/ab.log" 2>&1
grep -E "tests rc|bench rc|built in|failed" "$OUT/ab.log"
cp "$OUT/ab/compare_128x1.txt" "$OUT/ws_128x1.txt"
cp "$OUT/ab/compare_256x1.txt" "$OUT/ws_256x1.txt"
tail -3 "$OUT/ab/ws/tests.log"
grep -i geomean "$OUT/ws_128x1.txt" "$OUT/ws_256x1.txt"
if grep -q " passed" "$OUT/ab/ws/tests.log" && ! grep -q "failed" "$OUT/ab/ws/tests.log"; then
  (cd /tmp/ws && OUT=$OUT bash "$OLDPWD/benchmarks/experiments/prefill_ws/ncu.sh")
fi
cat "$OUT/ws_128x1.txt"
