#!/usr/bin/env bash
# Session 28, call 1 (device, repository root; ~9 min): 64-token prefill blocks (m64n64k16).
# Build; the prefill tests (every grid incl. 64 x 1 / 2 / 4 / 9, graph capture of 64-token
# grids); the forced grids 64 / 128 tokens x 1 / 2 / 4 splits, the op's own plan (timed last)
# and the decode kernel at M = 16..128 (prefill_wgmma/bench.py); then the M = 1 kernel-switch
# tests of test_cuda_kernels.py (not run since session 24) in 7 parallel groups.
# Usage: OUT=$OUT bash benchmarks/experiments/prefill_tok64/call1.sh
set -uo pipefail
OUT=${OUT:-device_out}
mkdir -p "$OUT"
source benchmarks/experiments/ab_lib.sh
T0=$(date +%s)
ab_build
echo "build $(( $(date +%s) - T0 )) s"
ab_pytest "$OUT/tests_prefill.log" 150 tests/gpu/test_prefill_wgmma.py
s=$(date +%s)
PYTHONPATH=$PWD timeout ${BENCH_S:-200} python3 benchmarks/experiments/prefill_wgmma/bench.py \
  --auto-last --out "$OUT/tok64" --bits ${BITS:-3,4,8} --ms ${MS:-16,24,32,48,64,96,128} \
  --decode-max-m 64 --plans 64x1,64x2,64x4,128x1,128x2,128x4 > "$OUT/tok64.txt" 2>&1
echo "bench rc=$? in $(( $(date +%s) - s )) s"; cat "$OUT/tok64.txt"
left=$(( 570 - ($(date +%s) - T0) ))
[ "$left" -gt 60 ] || { echo "no time left for the kernel-switch tests"; exit 0; }
s=$(date +%s)
i=0
for grp in "pipe0 or summma0 or sk1 or sk2" "pdl2 or pdl0 or pt0" \
    "pt1b0 or pt2g3 or pt2g2c or xs1" "wide0 or eight0 or eightring" "eightpt or xb8 or xb3" \
    "xbrule or xboff or lp0 or lprule" "lpall or mcall or mcrule or mc0"; do
  i=$((i + 1))
  (PYTHONPATH=$PWD timeout $(( left - 10 )) python3 -m pytest -q -p no:cacheprovider \
    tests/gpu/test_cuda_kernels.py -k "kernel_switches and ($grp)" > "$OUT/switch_$i.log" 2>&1
   echo "switch group $i ($grp) rc=$?: $(tail -1 "$OUT/switch_$i.log")") &
done
wait
echo "kernel-switch tests in $(( $(date +%s) - s )) s"
