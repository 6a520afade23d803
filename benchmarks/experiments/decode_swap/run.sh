#!/usr/bin/env bash
# The register double-buffer decode kernel (fused_gemm_kernel, M = 2..16 outside the rings)
# with cur / nxt swapped every chunk instead of copied, in every instance
# (-DANYPREC_DECODE_SWAP=2), against the tree, both built in parallel (ab_build_pair); uniform
# and LUT M = 2, 8, 12, 16, b = 3, 4, 8, fp16, the four Llama-3-8B weights, two passes side by
# side; then the decode tests that reach that kernel on the swap build. Device, repository root
# (~5 min). Session 30 ran it with the tree's default off and =1 meaning everywhere (README.md);
# the tree now swaps by a rule (fused_gemm.cuh kSwap; its A/B: ../h200_record_s30/callC.sh).
# Usage: OUT=dir bash benchmarks/experiments/decode_swap/run.sh
set -uo pipefail
source benchmarks/experiments/ab_lib.sh
export AB_TIMEOUT=${AB_TIMEOUT:-150}
ab_init decode_swap
ab_build_pair swap "-DANYPREC_DECODE_SWAP=2"
U=(--ms 2,8,12,16 --schemes uniform,lut --bits 3,4,8)
ab_bench_passes 2 "tree ." "swap /tmp/swap" -- "${U[@]}"
ab_report tree1 swap1 tree2 swap2 > /dev/null
cp "$RUNS/table.txt" "$OUT/table_swap.txt" && cat "$OUT/table_swap.txt"
(cd /tmp/swap && PYTHONPATH=/tmp/swap timeout 150 python3 -m pytest -q -x \
  tests/gpu/test_cuda_kernels.py -k "m2_8 or m9_16 or all_m_odd_shape or llama_shapes" \
  > "$OUT/pytest_swap.log" 2>&1)
echo "tests (swap build): $(tail -1 "$OUT/pytest_swap.log") at $(( $(date +%s) - AB_START )) s"
