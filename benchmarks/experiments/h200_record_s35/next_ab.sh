#!/usr/bin/env bash
# Prepared in session 35 for the next device session (device, repository root): the two
# questions its A/B left open, against the tree (session 35's defaults). Builds (/tmp/NAME):
#   w6   -DANYPREC_LUT_WIDE_ADDR=6: LUT b = 7, 8 back to the C index lookups (they were even
#        with lw_addr, 0.92-1.05x per weight; b = 5, 6 keep it);
#   m16  -DANYPREC_META16=1: 16-bit fold metadata (b = 5..8 1.01-1.03x in session 35's A/B,
#        never tested in a build of its own defaults).
# Steps (AB_STEPS):
#   build  the tree and both copies, in parallel;
#   tests  the LUT tests on w6 and the uniform M = 1 tests on m16 (META_BITS printed);
#   bench  two alternating passes: LUT M = 1 and 16, b = 5..8 (base, w6); uniform M = 1 and 16,
#          b = 2..8 (base, m16); five weights; ratios per (scheme, M, b) (ratios.txt).
# Calls: "build tests" (~5 min), "bench" (~4 min). Outputs: OUT/next_ab.tgz, OUT/runs.tgz.
# Usage: OUT=$OUT AB_STEPS="build tests" bash benchmarks/experiments/h200_record_s35/next_ab.sh
set -uo pipefail
source benchmarks/experiments/ab_lib.sh
ab_steps "${AB_STEPS:-build tests}"
ab_rundir next_ab
if ab_step build; then
  ab_init next_ab
  rm -rf /tmp/m16 && mkdir -p /tmp/m16 && cp -r . /tmp/m16/
  (cd /tmp/m16 && ANYPREC_BUILD_CUDA=1 ANYPREC_CUDA_ARCHS=90a MAX_JOBS=8 \
    ANYPREC_NVCC_FLAGS="-DANYPREC_META16=1" python3 setup.py build_ext --inplace \
    > "$R/build_m16.log" 2>&1 || echo "m16 build failed") &
  ab_build_pair w6 "-DANYPREC_LUT_WIDE_ADDR=6"
  wait
  ls /tmp/m16/vllm_anyprec/_C*.so > /dev/null || tail -5 "$R/build_m16.log"
  ab_pack
else
  ab_resume next_ab
fi
if ab_step tests; then
  (cd /tmp/w6 && ab_pytest "$R/tests_w6.log" 200 tests/gpu/test_cuda_kernels.py -k \
    "(all_m_odd_shape and lut) or (odd_n_k_groups and lut) or (llama_shapes and lut)")
  ab_constants /tmp/m16 "$R/meta_bits.txt"
  (cd /tmp/m16 && ab_pytest "$R/tests_m16.log" 240 tests/gpu/test_cuda_kernels.py -k \
     "m1_every_fold or m1_long_k or llama_shapes or (all_m_odd_shape and uniform)")
  ab_pack
fi
if ab_step bench; then
  SHAPES=4096x6144,4096x4096,4096x28672,14336x4096,4096x14336
  ab_bench_passes 2 "lutb ." "w6 /tmp/w6" -- --ms 1,16 --schemes lut --bits 5,6,7,8 --shapes $SHAPES
  ab_bench_passes 2 "unib ." "m16 /tmp/m16" -- --ms 1,16 --schemes uniform --shapes $SHAPES
  ab_report lutb1 w61 lutb2 w62
  cp "$RUNS/table.txt" "$R/table_w6.txt"
  ab_report unib1 m161 unib2 m162
  cp "$RUNS/table.txt" "$R/table_m16.txt"
  RATIOS=benchmarks/experiments/prefill_pdl/ratios.py
  { python3 $RATIOS --bits "$RUNS" lutb1 lutb2
    python3 $RATIOS --bits "$RUNS" lutb1,lutb2 w61,w62
    python3 $RATIOS --bits "$RUNS" unib1,unib2 m161,m162
  } > "$R/ratios.txt" 2>&1
  cat "$R/ratios.txt"
  ab_pack
fi
