#!/usr/bin/env bash
# The LUT dequantize kernel with the n-tile's tables in shared memory (dequant_lut_kernel of
# commit a753e38, rejected: `git apply benchmarks/experiments/lut_dequant/dequant_smem.patch` to
# run it again) on the dense path: LUT b = 5..8 at M = 256 and 1024, with uniform b = 5..8
# (whose dense path did not change: the control for run-to-run drift against the session 19 /
# 20 records), all four Llama-3-8B weights; then the dequantize and dense-path tests. Device,
# repository root. Compare with benchmarks/kernels_NVIDIA_H200.json (the code before).
# Usage: OUT=dir bash benchmarks/experiments/lut_dequant/run.sh   (SKIP_BUILD=1: the tree is built)
set -uo pipefail
source benchmarks/experiments/ab_lib.sh
ab_init lut_dequant
if [ "${SKIP_BUILD:-0}" != 1 ]; then rm -f vllm_anyprec/_C*.so; ab_build; fi
ab_bench_each smem -- --ms 256,1024 --bits 5,6,7,8
cp "$RUNS/smem.json" "$OUT/" 2>/dev/null; tail -40 "$RUNS/smem.log"
timeout "${TEST_TIMEOUT:-150}" python3 -m pytest -q -x tests/gpu/test_cuda_kernels.py \
  -k "dequant or (lut and (llama_shapes or all_m_odd_shape or odd_n_k))" > "$OUT/pytest.log" 2>&1
echo "tests: $(tail -1 "$OUT/pytest.log")"
