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
s=$(date +%s)
PYTHONPATH=$PWD timeout 90 python3 -m pytest -q -p no:cacheprovider \
  tests/gpu/test_prefill_wgmma.py > "$R/tests_prefill.log" 2>&1
echo "prefill tests rc=$? in $(( $(date +%s) - s )) s: $(tail -1 "$R/tests_prefill.log")"
s=$(date +%s)
PYTHONPATH=$PWD timeout 80 python3 benchmarks/experiments/prefill_wgmma/bench.py --auto-last \
  --out "$R/cross" --bits 3,4,8 --ms 17,20,21,24,25,28,29,32,48,64 --decode-max-m 64 \
  > "$R/cross.txt" 2>&1
echo "crossover bench rc=$? in $(( $(date +%s) - s )) s"
tar czf "$OUT/callA.tgz" -C $R .
s=$(date +%s)
PYTHONPATH=$PWD timeout 240 python3 -m pytest -q -p no:cacheprovider -x \
  tests/gpu/test_cuda_kernels.py -k "not kernel_switches" > "$R/tests_kernels.log" 2>&1
echo "kernel tests rc=$? in $(( $(date +%s) - s )) s: $(tail -1 "$R/tests_kernels.log")"
tar czf "$OUT/callA.tgz" -C $R .
