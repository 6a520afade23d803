#!/usr/bin/env bash
# Session 25's LUT measurement with the per-lane prefill tables and the new LUT crossovers
# (device, repository root, one call): build; tests/gpu/test_prefill_wgmma.py and the LUT
# cases of tests/gpu/test_cuda_kernels.py (cut at 100 s); scripts/bench_kernels.py --schemes
# lut (every b and M, cuBLAS fp16 in the same run, no vLLM so no Marlin columns) and its
# summary.
# Usage: OUT=$OUT bash benchmarks/experiments/prefill_lut_lanes/record.sh
source benchmarks/experiments/ab_lib.sh  # (set -uo pipefail, ab_build)
OUT=${OUT:-device_out}
mkdir -p "$OUT"
nvidia-smi --query-gpu=name,clocks.sm,clocks.mem --format=csv,noheader
export PYTHONPATH=$PWD
ab_build
timeout 120 python3 -m pytest -q -p no:cacheprovider tests/gpu/test_prefill_wgmma.py 2>&1 | tail -2
timeout 100 python3 -m pytest -q -p no:cacheprovider tests/gpu/test_cuda_kernels.py -k lut \
  2>&1 | tail -2
s=$(date +%s)
python3 scripts/bench_kernels.py --schemes lut --out "$OUT" > "$OUT/bench_lut.log" 2>&1
echo "bench rc=$? in $(( $(date +%s) - s )) s"
python3 scripts/bench_kernels.py --summarize "$OUT"/kernels_*.json
