#!/usr/bin/env bash
# Run in session 22 on c3290bf (results: cap_h200_s22/, README.md). Later trees carry MC (the
# cap by a rule, mc.sh), so "rule" there is no longer the uncapped kernel. The uniform kernel at
# M = 9..16 (MT = 2) under a 128-register cap (ANYPREC_MT2_MIN_BLOCKS=2: 4 warps per scheduler
# instead of 3), which spilled 72 bytes at b = 4 with the all-ones sums (session 18) and fits
# without spills at b = 2..4 with the sums of x as A (ptxas: b = 2 / 3 / 4 122 / 128 / 128
# registers, 0 spills; b = 5..8 28-76 bytes). Three builds side by side: the tree as it is (the
# rule), "xa" (sums as A at every b, no cap: call 2's variant) and "cap" (sums as A and the
# cap); uniform M = 9, 12, 16, b = 2..8, fp16 (bf16 at b = 4), the four Llama-3-8B weights, two
# passes. Then the M = 9..16 tests on the cap build. Device, repository root.
# Usage: OUT=dir bash benchmarks/experiments/decode_sumxa/cap.sh
set -uo pipefail
source benchmarks/experiments/ab_lib.sh
export AB_TIMEOUT=${AB_TIMEOUT:-150}
ab_init decode_sumxa_cap
export ANYPREC_BUILD_CUDA=1 ANYPREC_CUDA_ARCHS=90a MAX_JOBS=6
build_copy() {  # NAME FLAGS: the copy of the tree in /tmp/NAME built with FLAGS
  (cd "/tmp/$1" && ANYPREC_NVCC_FLAGS="$2" \
    python3 setup.py build_ext --inplace > "$OUT/build_$1.log" 2>&1 || echo "$1 build failed")
}
rm -f vllm_anyprec/_C*.so
for n in xa cap; do rm -rf "/tmp/$n" && mkdir -p "/tmp/$n" && cp -r ./. "/tmp/$n/"; done
(python3 setup.py build_ext --inplace > "$OUT/build.log" 2>&1 || echo "build failed") &
build_copy xa "-DANYPREC_SUM_XA=2" &
build_copy cap "-DANYPREC_SUM_XA=2 -DANYPREC_MT2_MIN_BLOCKS=2" &
wait
ls vllm_anyprec/_C*.so /tmp/xa/vllm_anyprec/_C*.so /tmp/cap/vllm_anyprec/_C*.so || exit 1
echo "built in $(( $(date +%s) - AB_START )) s"
U=(--ms 9,12,16 --schemes uniform --bits 2,3,4,5,6,7,8)
ab_bench_passes 2 "rule ." "xa /tmp/xa" "cap /tmp/cap" -- "${U[@]}"
ab_report rule1 xa1 cap1 rule2 xa2 cap2 > /dev/null
cp "$RUNS/table.txt" "$OUT/table_cap.txt" && cat "$OUT/table_cap.txt"
(cd /tmp/cap && timeout 120 python3 -m pytest -q -x tests/gpu/test_cuda_kernels.py \
  -k "m9_16 or all_m_odd_shape or llama_shapes" > "$OUT/pytest_cap.log" 2>&1)
echo "tests (cap build): $(tail -1 "$OUT/pytest_cap.log") at $(( $(date +%s) - AB_START )) s"
