#!/usr/bin/env bash
# Prepared in session 25 for the next device session (one call, ~7 min, repository root):
# 1. the register LUT tables for b <= 3 (-DANYPREC_PREFILL_REG_LUT=1) against this tree's lane
#    tables: variants.sh, LUT b = 2, 3, M = 128, 256, 1024, tests on both builds;
# 2. the crossovers re-measured with bench.py's copies past L2 and the op's own plan timed last
#    (--auto-last), both schemes, b = 3, 4, 8, M = 24..1024, decode up to M = 64, and the
#    128- and 256-token grids forced, so that each cell shows whether the op's own plan now
#    times like the same grid forced (session 25's open question, README.md);
# 3. compute-sanitizer memcheck of the lane-table kernels.
# Usage: OUT=$OUT bash benchmarks/experiments/prefill_lut_lanes/next.sh
set -uo pipefail
OUT=${OUT:-device_out}
mkdir -p "$OUT"
TESTS=tests/gpu/test_prefill_wgmma.py SCHEMES=lut BITS=2,3 MS=128,256,1024 OUT=$OUT/ab \
  bash benchmarks/experiments/variants.sh reglut="-DANYPREC_PREFILL_REG_LUT=1" > "$OUT/ab.log" 2>&1
grep -E "tests rc|bench rc|built in|failed" "$OUT/ab.log"
cp "$OUT/ab/compare_128x1.txt" "$OUT/reglut_128x1.txt"
cp "$OUT/ab/compare_256x1.txt" "$OUT/reglut_256x1.txt"
grep geomean "$OUT/reglut_128x1.txt" "$OUT/reglut_256x1.txt"
s=$(date +%s)
PYTHONPATH=$PWD timeout 300 python3 benchmarks/experiments/prefill_wgmma/bench.py --auto-last \
  --out "$OUT/crossovers" --bits 3,4,8 --ms 24,32,48,64,256,384,512,1024 --decode-max-m 64 \
  --plans 128x1,256x1 > "$OUT/crossovers.txt" 2>&1
echo "crossovers rc=$? in $(( $(date +%s) - s )) s"
# 3. compute-sanitizer memcheck of the lane tables (every b on both grids) on this tree's build.
PYTHONPATH=$PWD timeout 150 compute-sanitizer --tool memcheck python3 -m pytest -q \
  -p no:cacheprovider tests/gpu/test_prefill_wgmma.py -k lut_tables > "$OUT/memcheck.log" 2>&1
echo "memcheck rc=$?: $(tail -1 "$OUT/memcheck.log")"
cat "$OUT/crossovers.txt"
