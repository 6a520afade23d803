#!/usr/bin/env bash
# XB (uniform, M = 2..16: a 16-row tile per warp over all of K, the block's warps walking the
# chunks together through one 3-stage ring per block that holds the chunk's x once; launch_xb in
# fused_gemm.cuh) against the default kernels (X8 at b >= 4, M <= 4; fused_gemm_kernel else),
# same build, run-time switches: uniform b = 2, 3, 4, 5, 8 and bf16 b = 4 at M = 2, 4, 8, 12,
# 16 on the Llama-3-8B weights. Runs: def, xb8 / xb4 / xb2 (ANYPREC_DECODE_XB=2 with 8 / 4 / 2
# tiles per block), then def2 / xb8b (the noise). Before them the quick tests under XB (M =
# 2..16, every fold), after them the X8 / XB switch tests and a memcheck of XB. Written in
# session 18 (compile-checked only). Device, repository root.
# Usage: OUT=dir bash benchmarks/experiments/decode_xb/run.sh   (SKIP_BUILD=1: the tree is built;
#   SKIP_TESTS=1: no tests after the timing)
set -uo pipefail
source benchmarks/experiments/ab_lib.sh
ab_init decode_xb
if [ "${SKIP_BUILD:-0}" != 1 ]; then rm -f vllm_anyprec/_C*.so; ab_build; fi
ANYPREC_DECODE_XB=2 timeout 150 python3 -m pytest -q -x tests/gpu/test_cuda_kernels.py \
  -k "m2_8_every_fold or m9_16" > "$OUT/pytest_quick.log" 2>&1
echo "quick (XB at M = 2..16): $(tail -1 "$OUT/pytest_quick.log")"
A=(--ms 2,4,8,12,16 --schemes uniform --bits 2,3,4,5,8
   --shapes 4096x28672,14336x4096,4096x6144,4096x4096)
export ANYPREC_PT_DEBUG=1
ab_bench_each def "xb8 ANYPREC_DECODE_XB=2" "xb4 ANYPREC_DECODE_XB=2 ANYPREC_XB_WARPS=4" \
  "xb2 ANYPREC_DECODE_XB=2 ANYPREC_XB_WARPS=2" def2 "xb8b ANYPREC_DECODE_XB=2" -- "${A[@]}"
ab_report def xb8 xb4 xb2 def2 xb8b
grep -h "anyprec XB" "$RUNS"/*.log 2>/dev/null | sort | uniq | head -40 || true
if [ "${SKIP_TESTS:-0}" != 1 ]; then
  timeout "${TEST_TIMEOUT:-240}" python3 -m pytest -q -x tests/gpu/test_cuda_kernels.py \
    -k "(switches and (eight or xb)) or m9_16" > "$OUT/pytest.log" 2>&1
  echo "tests: $(tail -1 "$OUT/pytest.log")"
  ANYPREC_DECODE_XB=2 ANYPREC_XB_WARPS=3 timeout 120 compute-sanitizer --tool memcheck \
    python3 -m pytest -q -x tests/gpu/test_cuda_kernels.py -k "m9_16 and 4-" \
    > "$OUT/memcheck.log" 2>&1
  echo "memcheck (XB, 3 tiles per block): $(grep -E "ERROR SUMMARY|passed|failed" "$OUT/memcheck.log" | tail -2 | tr '\n' ' ')"
fi
