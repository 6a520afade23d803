#!/usr/bin/env bash
# The LUT kernels' wide instance (fused_gemm_kernel with MW = 16: up to 16 warps per block where
# the warp target needs more than 8 per n-tile and the tiles have >= 32 chunks) against the
# 8-warp kernel, same build (ANYPREC_LUT_WIDE=0 / 1), LUT b = 2..8 at M = 1, 4, 16 on
# (14336, 4096) (256 tiles of 56 chunks, like the uniform ring's case in ../ring_wide/) and
# (7168, 4096), (4096, 4096) as controls (not taken). Then the tests that run it.
# Written in session 15 (branch wip/lut-wide), not yet run. Device, repository root.
# Usage: OUT=dir bash benchmarks/experiments/lut_wide/run.sh
set -uo pipefail
source benchmarks/experiments/ab_lib.sh
ab_init lut_wide
if [ "${SKIP_BUILD:-0}" != 1 ]; then rm -f vllm_anyprec/_C*.so; ab_build; fi
A=(--ms 1,4,16 --schemes lut --bits 2,3,4,5,6,7,8 --shapes 14336x4096,7168x4096,4096x4096)
ab_bench on . -- "${A[@]}"
ab_bench off . ANYPREC_LUT_WIDE=0 -- "${A[@]}"
ab_bench on2 . -- "${A[@]}"
ab_bench off2 . ANYPREC_LUT_WIDE=0 -- "${A[@]}"
ab_report on off on2 off2
timeout "${TEST_TIMEOUT:-240}" python3 -m pytest -q -x tests/gpu/test_cuda_kernels.py \
  -k "llama_shapes or lutwide0 or all_m_odd_shape" > "$OUT/pytest.log" 2>&1
tail -3 "$OUT/pytest.log"
