#!/usr/bin/env bash
# Programmatic dependent launch, call 2 (device, repository root, ~9 min): the grid rule
# (launch.h pdl_grid_ok: no programmatic launch for grids an early start packs onto too few SMs)
# on the prefill path and the decode kernels. Build; bench_kernels at M = 1, 4, 16, 32, 128,
# b = 3, 4, 8, both schemes, the four Llama-3-8B weights, side by side:
#   v0  ANYPREC_PDL=1 ANYPREC_PDL_RULE=0 ANYPREC_PREFILL_PDL=0  (the code before this session)
#   v1  defaults (decode PDL for uniform, prefill PDL, the rule)
#   v2  ANYPREC_PDL=2 (decode PDL for LUT too, with the rule)
#   v3  ANYPREC_PDL=2 ANYPREC_PDL_RULE=0 (LUT too, without the rule; one pass)
# then the prefill tests, the decode PDL switch tests and graphs, memcheck of the PDL prefill
# tests. Everything in OUT/pdl2.tgz (packed after each step) and OUT/runs.tgz.
# Usage: OUT=$OUT bash benchmarks/experiments/prefill_pdl/call2.sh
source benchmarks/experiments/ab_lib.sh  # (set -uo pipefail)
export AB_TIMEOUT=${AB_TIMEOUT:-150}
ab_rundir pdl2
nvidia-smi --query-gpu=name,clocks.sm,clocks.mem --format=csv > "$R/gpu.txt"
ls vllm_anyprec/_C*.so > /dev/null 2>&1 && [ "${REBUILD:-1}" = 0 ] || OUT=$R ab_build
ab_init pdlrule
ARGS=(--ms 1,4,16,32,128 --bits 3,4,8 --schemes uniform,lut)
for pass in 1 2; do
  ab_bench_each "v0_$pass ANYPREC_PDL=1 ANYPREC_PDL_RULE=0 ANYPREC_PREFILL_PDL=0" \
    "v1_$pass ANYPREC_PDL=1" "v2_$pass ANYPREC_PDL=2" -- "${ARGS[@]}"
done
ab_bench_each "v3_1 ANYPREC_PDL=2 ANYPREC_PDL_RULE=0" -- "${ARGS[@]}"
ab_finish v0_1 v1_1 v2_1 v3_1 v0_2 v1_2 v2_2
cp "$RUNS/table.txt" "$R/table.txt"
python3 benchmarks/experiments/prefill_pdl/ratios.py "$RUNS" v0_1,v0_2 v1_1,v1_2 v2_1,v2_2 v3_1 \
  > "$R/ratios.txt" 2>&1
cat "$R/ratios.txt"
ab_pack
ab_pytest "$R/tests_prefill.log" 150 tests/gpu/test_prefill_wgmma.py
ab_pack
ab_pytest "$R/tests_decode.log" 200 tests/gpu/test_cuda_kernels.py -k "pdl2 or pdl0 or cuda_graph or opcheck"
ab_pack
OUT=$R ab_memcheck tests/gpu/test_prefill_wgmma.py "written_just_before or graph"
ab_pack
