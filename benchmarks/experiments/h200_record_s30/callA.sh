#!/usr/bin/env bash
# Session 30, call A (device, repository root, carry .stage; ~7 min): the landed rules checked
# before the record (callB: ../h200_record_s23/callB.sh, carry .stage2, right after this call).
# Stages the vLLM bundle's first part, builds the tree and a copy without the decode swap
# (-DANYPREC_DECODE_SWAP=0) in parallel, then:
#  - the decode swap rule (fused_gemm.cuh kSwap) against never swapping: bench_kernels at
#    M = 1, 2, 4, 8, 12, 16, b = 4, 5, 6, 8, both schemes, two passes side by side;
#  - the prefill plan's own pick (timed last) next to forced grids that the plan picks but
#    session 30's first runs did not force (64 x 4, 256 x 2, 256 x 4, 64 x 2 x 2), uniform
#    b = 3, 4, M = 32, 128, 256, 512, 1024 (order_fit.py's "not measured");
#  - the prefill tests, the decode tests that reach the swapped kernels, the opcheck / graph /
#    end-to-end tests, compute-sanitizer memcheck of the lean and graph prefill tests.
# Everything in OUT/a.tgz (packed after each step) and OUT/runs.tgz (the A/B).
# Usage: OUT=$OUT bash benchmarks/experiments/h200_record_s30/callA.sh
source benchmarks/experiments/ab_lib.sh  # (set -uo pipefail)
export AB_TIMEOUT=${AB_TIMEOUT:-150}
ab_stage_vllm .stage
ab_rundir a
nvidia-smi --query-gpu=name,clocks.sm,clocks.mem --format=csv > $R/gpu.txt
ab_swap_ab swap30 --ms 1,2,4,8,12,16 --schemes uniform,lut --bits 4,5,6,8
ab_pack
s=$(date +%s)
PYTHONPATH=$PWD timeout 200 python3 benchmarks/experiments/prefill_wgmma/bench.py --auto-last \
  --out "$R/plan" --schemes uniform --bits 3,4 --ms 32,128,256,512,1024 --decode-max-m 0 \
  --plans 64x1,64x4,128x1,128x2,256x1,256x2,256x4,64x1x2,64x2x2 > "$R/plan.txt" 2>&1
echo "plan bench rc=$? in $(( $(date +%s) - s )) s"
ab_pack
ab_pytest "$R/tests_prefill.log" 150 tests/gpu/test_prefill_wgmma.py
ab_pytest "$R/tests_decode.log" 200 tests/gpu/test_cuda_kernels.py \
  -k "m2_8 or m9_16 or all_m_odd_shape or llama_shapes or opcheck or end_to_end or cuda_graph"
ab_pack
OUT=$R ab_memcheck tests/gpu/test_prefill_wgmma.py "lean or graph"
ab_pack
