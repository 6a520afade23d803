#!/usr/bin/env bash
# PT's bulk form (PTB, fused_gemm_m1ptb_kernel: a producer warp fills the block's stages with
# bulk copies, see BK in fused_gemm.cuh) against PT (its ring of cp.async per warp), same build,
# run-time switches: uniform b = 2..8 at M = 1 on the Llama-3-8B weights and (4096, 14336).
# Runs: pt (default rule), bulk4 (ANYPREC_PT_BULK=1, 4 stages), bulk2 (2 stages), bulk4w8
# (8 consumer warps per block), then pt2 / bulk4b (the same again: the noise), and with PT forced
# (ANYPREC_DECODE_PT=2) on every weight: ptf, bulkf. Before them: the tests that run it (the
# switch tests bulk1, bulk2g3, bulk2g2c) and a memcheck of the forced bulk kernel on a few M = 1
# tests. Written in session 17. Device, repository root.
# Usage: OUT=dir bash benchmarks/experiments/pt_bulk/run.sh   (SKIP_BUILD=1: the tree is built)
set -uo pipefail
source benchmarks/experiments/ab_lib.sh
ab_init pt_bulk
if [ "${SKIP_BUILD:-0}" != 1 ]; then rm -f vllm_anyprec/_C*.so; ab_build; fi
timeout "${TEST_TIMEOUT:-200}" python3 -m pytest -q -x tests/gpu/test_cuda_kernels.py \
  -k "switches and bulk" > "$OUT/pytest.log" 2>&1
tail -3 "$OUT/pytest.log"
ANYPREC_PT_BULK=1 ANYPREC_DECODE_PT=2 ANYPREC_PT_GRID=3 timeout 120 compute-sanitizer \
  --tool memcheck python3 -m pytest -q -x tests/gpu/test_cuda_kernels.py \
  -k "m1_every_fold and 4" > "$OUT/memcheck.log" 2>&1
grep -E "ERROR SUMMARY|passed|failed" "$OUT/memcheck.log" | tail -3
A=(--ms 1 --schemes uniform --bits 2,3,4,5,6,7,8
   --shapes 4096x28672,4096x14336,14336x4096,4096x6144,4096x4096)
export ANYPREC_PT_DEBUG=1
ab_bench pt . -- "${A[@]}"
ab_bench bulk4 . ANYPREC_PT_BULK=1 -- "${A[@]}"
ab_bench bulk2 . ANYPREC_PT_BULK=1 ANYPREC_PTB_STAGES=2 -- "${A[@]}"
ab_bench bulk4w8 . ANYPREC_PT_BULK=1 ANYPREC_PT_WARPS=8 -- "${A[@]}"
ab_bench pt2 . -- "${A[@]}"
ab_bench bulk4b . ANYPREC_PT_BULK=1 -- "${A[@]}"
ab_bench ptf . ANYPREC_DECODE_PT=2 -- "${A[@]}"
ab_bench bulkf . ANYPREC_PT_BULK=1 ANYPREC_DECODE_PT=2 -- "${A[@]}"
AB_PT_LINES=80 ab_report pt bulk4 bulk2 bulk4w8 pt2 bulk4b ptf bulkf
