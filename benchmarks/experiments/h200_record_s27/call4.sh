#!/usr/bin/env bash
# Session 27, call 4 (device, repository root, carry .stage; ~7 min): stage the vLLM bundle's
# first part for the record's second call (h200_record_s23/callB.sh), build, run the prefill tests
# and the kernel tests except the M = 1 kernel-switch ones (decode kernels this session did not
# touch; each starts subprocesses, ~18 s a test), and time the LUT crossover of (4096, 4096) at
# M = 512..1024 now that split K runs in clusters (dense from 512 for LUT b >= 4 on small
# weights, session 26; the op's own plan timed last).
# Usage: OUT=$OUT bash benchmarks/experiments/h200_record_s27/call4.sh
set -uo pipefail
OUT=${OUT:-device_out}
mkdir -p "$OUT"
source benchmarks/experiments/ab_lib.sh
ab_stage_vllm .stage
ab_build
ab_pytest "$OUT/tests_prefill.log" 60 tests/gpu/test_prefill_wgmma.py
s=$(date +%s)
PYTHONPATH=$PWD timeout 100 python3 benchmarks/experiments/prefill_wgmma/bench.py --auto-last \
  --out "$OUT/lut_cross" --shapes 4096x4096 --schemes lut --bits 4,6,8 \
  --ms 512,640,768,896,1024 --decode-max-m 0 --plans 256x1,256x2 > "$OUT/lut_cross.txt" 2>&1
echo "lut crossover rc=$? in $(( $(date +%s) - s )) s"; cat "$OUT/lut_cross.txt"
ab_pytest "$OUT/tests_kernels.log" 240 -x tests/gpu/test_cuda_kernels.py -k "not kernel_switches"
