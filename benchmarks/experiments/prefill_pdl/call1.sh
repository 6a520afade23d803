#!/usr/bin/env bash
# Programmatic dependent launch on the prefill path (prefill_wgmma.cuh, ANYPREC_PREFILL_PDL),
# call 1 (device, repository root, ~9 min): build; where a prefill call's time goes
# (breakdown.py) with PDL off and on; then bench_kernels at M = 32, 128, 256, 1024, b = 3, 4, 8,
# both schemes, the four Llama-3-8B weights, in side-by-side passes of ANYPREC_PREFILL_PDL = 2
# (default), 0 (off) and 1 (not the permute pass: as behind a model kernel that does not
# trigger); the table in R/table.txt; then the prefill test file. Everything in OUT/pdl1.tgz
# (packed after each step) and OUT/runs.tgz.
# Usage: OUT=$OUT bash benchmarks/experiments/prefill_pdl/call1.sh
source benchmarks/experiments/ab_lib.sh  # (set -uo pipefail)
export AB_TIMEOUT=${AB_TIMEOUT:-150}
ab_rundir pdl1
nvidia-smi --query-gpu=name,clocks.sm,clocks.mem --format=csv > "$R/gpu.txt"
OUT=$R ab_build
for mode in 0 2; do
  ANYPREC_PREFILL_PDL=$mode PYTHONPATH=$PWD timeout 120 python3 \
    benchmarks/experiments/prefill_pdl/breakdown.py > "$R/breakdown_pdl$mode.txt" 2>&1
  cat "$R/breakdown_pdl$mode.txt"
done
ab_pack
ab_init pdl
ARGS=(--ms 32,128,256,1024 --bits 3,4,8 --schemes uniform,lut)
for pass in 1 2; do
  ab_bench_each "pdl2_$pass ANYPREC_PREFILL_PDL=2" "pdl0_$pass ANYPREC_PREFILL_PDL=0" -- "${ARGS[@]}"
done
ab_bench_each "pdl1_1 ANYPREC_PREFILL_PDL=1" -- "${ARGS[@]}"
ab_finish pdl0_1 pdl2_1 pdl1_1 pdl0_2 pdl2_2
cp "$RUNS/table.txt" "$R/table.txt"
python3 benchmarks/experiments/prefill_pdl/ratios.py "$RUNS" pdl0_1,pdl0_2 pdl2_1,pdl2_2 pdl1_1 \
  > "$R/ratios.txt" 2>&1
cat "$R/ratios.txt"
ab_pack
ab_pytest "$R/tests_prefill.log" 240 tests/gpu/test_prefill_wgmma.py
ab_pack
