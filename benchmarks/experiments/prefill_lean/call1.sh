#!/usr/bin/env bash
# Session 29, call 1 (device, repository root, carry .stage; ~8 min): the lean 64-token kernels
# as a plan choice (PrefillPlan::blocks_per_sm = 2). Stages the vLLM bundle's first part for the
# record's second call (h200_record_s23/callB.sh), builds, runs the prefill tests (the lean ones
# included), times the full and lean 64-token grids next to the op's own plan (timed last, its
# grid printed) and the decode kernel, uniform b = 2..6, on the widest weight (where the plan
# takes the lean kernels) and on (4096, 6144) (where it must not), then compute-sanitizer
# memcheck of the lean tests and the gemm-op tests of test_cuda_kernels that reach the prefill
# path. Everything in OUT/c1.tgz (packed after each step: a cut-short call keeps what ran).
# Usage: OUT=$OUT bash benchmarks/experiments/prefill_lean/call1.sh
source benchmarks/experiments/ab_lib.sh  # (set -uo pipefail)
ab_rundir c1
ab_stage_vllm .stage
nvidia-smi --query-gpu=name,clocks.sm,clocks.mem --format=csv > $R/gpu.txt
OUT=$R ab_build
ab_pytest "$R/tests_prefill.log" 150 tests/gpu/test_prefill_wgmma.py
ab_pack
s=$(date +%s)
PYTHONPATH=$PWD timeout 200 python3 benchmarks/experiments/prefill_wgmma/bench.py --auto-last \
  --out "$R/lean" --schemes uniform --bits 2,3,4,5,6 --shapes 4096x28672,4096x6144 \
  --ms 17,20,24,32,48,64,128,256 --decode-max-m 32 --plans 64x1,64x1x2,64x2,64x2x2 \
  > "$R/lean.txt" 2>&1
echo "lean bench rc=$? in $(( $(date +%s) - s )) s"
ab_pack
OUT=$R ab_memcheck tests/gpu/test_prefill_wgmma.py "lean or graph"
ab_pack
ab_pytest "$R/tests_kernels.log" 100 tests/gpu/test_cuda_kernels.py -k "opcheck or end_to_end or cuda_graph"
ab_pack
