#!/usr/bin/env bash
# The ring kernel's wide instance (up to 16 warps per block where an n-tile has >= 32 chunks,
# fused_gemm_m1pipe_kernel with MW = 16) against the 8-warp ring, same build (ANYPREC_RING_WIDE=0 / 1),
# uniform M = 1, b = 2..6, on weights with long K (14336, 4096), (28672, 8192), (8192, 8192)
# and a K = 4096 control (4096, 4096) that neither switch changes. Then the M = 1 tests.
# Device, repository root. Usage: OUT=dir bash benchmarks/experiments/ring_wide/run.sh
# (SKIP_BUILD=1: the tree's extension is already built, e.g. by ../lut_regs/run.sh in the same
# call; PAIRS=1: one on / off pair instead of two.)
set -uo pipefail
source benchmarks/experiments/ab_lib.sh
ab_init ring_wide
if [ "${SKIP_BUILD:-0}" != 1 ]; then rm -f vllm_anyprec/_C*.so; ab_build; fi
A=(--ms 1 --schemes uniform --bits 2,3,4,5,6 --shapes 14336x4096,28672x8192,8192x8192,4096x4096)
ab_bench on . ANYPREC_RING_DEBUG=1 -- "${A[@]}"
ab_bench off . ANYPREC_RING_WIDE=0 ANYPREC_RING_DEBUG=1 -- "${A[@]}"
TAGS=(on off)
if [ "${PAIRS:-2}" -ge 2 ]; then
  ab_bench on2 . -- "${A[@]}"
  ab_bench off2 . ANYPREC_RING_WIDE=0 -- "${A[@]}"
  TAGS+=(on2 off2)
fi
ab_finish "${TAGS[@]}"
cat "$RUNS/table.txt"
grep -h "anyprec ring" "$RUNS"/on.log "$RUNS"/off.log | sort | uniq | head -40 || true
timeout "${TEST_TIMEOUT:-150}" python3 -m pytest -q -x tests/gpu/test_cuda_kernels.py \
  -k "${TESTS:-m1_long_k or m1_every_fold or llama_shapes or wide0 or lut_alignment}" \
  > "$OUT/pytest.log" 2>&1
tail -3 "$OUT/pytest.log"
