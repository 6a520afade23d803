#!/usr/bin/env bash
# LUT b = 4 pair lookups (ANYPREC_LUT_PAIRS = K copies, see kPairs in fused_gemm.cuh) against
# the per-lane tables (the tree's default, 0), K = 2 and 4 built as copies in /tmp/k2, /tmp/k4
# (three builds in parallel), LUT b = 4 (b = 5 as a control: not affected) at M = 1, 4, 16 on
# the four Llama-3-8B weights, each build timed twice; then the LUT tests on both builds and a
# memcheck of the odd shapes on K = 4. Device, repository root. Written in session 16, not yet
# run (README.md: what to expect).
# Usage: OUT=dir bash benchmarks/experiments/lut_pairs/run.sh
set -uo pipefail
source benchmarks/experiments/ab_lib.sh
ab_init lut_pairs
export ANYPREC_BUILD_CUDA=1 ANYPREC_CUDA_ARCHS=90a MAX_JOBS=6
rm -f vllm_anyprec/_C*.so
(python3 setup.py build_ext --inplace > "$OUT/build.log" 2>&1 || echo "base build failed") &
for K in 2 4; do
  rm -rf "/tmp/k$K" && mkdir -p "/tmp/k$K" && cp -r ./. "/tmp/k$K/"
  (cd "/tmp/k$K" && ANYPREC_NVCC_FLAGS="-DANYPREC_LUT_PAIRS=$K" \
    python3 setup.py build_ext --inplace > "$OUT/build_k$K.log" 2>&1 || echo "k$K build failed") &
done
wait
echo "built: $(date)"
A=(--ms 1,4,16 --schemes lut --bits 4,5)
ab_bench base . -- "${A[@]}"
ab_bench k2 /tmp/k2 -- "${A[@]}"
ab_bench k4 /tmp/k4 -- "${A[@]}"
ab_bench base2 . -- "${A[@]}"
ab_bench k4b /tmp/k4 -- "${A[@]}"
ab_report base k2 k4 base2 k4b
T=(tests/gpu/test_cuda_kernels.py -k "lut and not switches")
for K in 4 2; do
  (cd "/tmp/k$K" && timeout "${TEST_TIMEOUT:-150}" python3 -m pytest -q -x "${T[@]}" \
    > "$OUT/pytest_k$K.log" 2>&1; tail -2 "$OUT/pytest_k$K.log")
done
(cd /tmp/k4 && timeout 120 compute-sanitizer --tool memcheck python3 -m pytest -q -x \
  tests/gpu/test_cuda_kernels.py -k "all_m_odd_shape and lut and 4" > "$OUT/memcheck_k4.log" 2>&1;
  grep -E "ERROR SUMMARY|passed|failed" "$OUT/memcheck_k4.log" | tail -3)
