#!/usr/bin/env bash
# Session 28's H200 record, first call (device, repository root, carry .stage; ~6 min): stage the
# vLLM bundle's first part for the second call (h200_record_s23/callB.sh), build, run the prefill
# tests and the kernel tests (the M = 1 kernel-switch ones ran in prefill_tok64/call1.sh, same
# decode kernels), and time the gemm op's own paths at the new decode -> prefill crossovers
# (prefill_wgmma/bench.py without forced grids: the op's plan, timed last, and the decode
# kernel, M = 17..64). Logs and the bench's JSON packed in OUT/callA.tgz.
# Usage: OUT=$OUT bash benchmarks/experiments/h200_record_s28/callA.sh
set -uo pipefail
OUT=${OUT:-device_out}
mkdir -p "$OUT"
source benchmarks/experiments/ab_lib.sh
R=/tmp/callA && rm -rf $R && mkdir -p $R
ab_stage_vllm .stage
OUT=$R ab_build
ab_pytest "$R/tests_prefill.log" 90 tests/gpu/test_prefill_wgmma.py
s=$(date +%s)
PYTHONPATH=$PWD timeout 80 python3 benchmarks/experiments/prefill_wgmma/bench.py --auto-last \
  --out "$R/cross" --bits 3,4,8 --ms 17,20,21,24,25,28,29,32,48,64 --decode-max-m 64 \
  > "$R/cross.txt" 2>&1
echo "crossover bench rc=$? in $(( $(date +%s) - s )) s"
tar czf "$OUT/callA.tgz" -C $R .
ab_pytest "$R/tests_kernels.log" 240 -x tests/gpu/test_cuda_kernels.py -k "not kernel_switches"
tar czf "$OUT/callA.tgz" -C $R .
