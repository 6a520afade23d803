#!/usr/bin/env bash
# Session 36 (device, repository root): the LUT pair tables' launch rule (fused_gemm.cuh,
# lut_pairs_take). Session 35 turned the b = 4 pair tables on everywhere; they won on weights of
# 256 and 384 n-tiles and lost 7-10% on 896 and 1792 (h200_record_s35/README.md). The rule keeps
# them to weights of at most ANYPREC_LUT_PAIR_TILES_PER_SM n-tiles per SM; this call times both
# forms on one build (the run-time switch ANYPREC_LUT_PAIR: 0 never, 2 always, 1 the rule) over
# weights from 256 to 1792 n-tiles and K from 4096 to 14336, so that the bound comes from data.
# Steps (AB_STEPS):
#   build  the tree;
#   tests  the LUT subset (every M on odd shapes, odd N / K, the ring runs, Llama weights, CUDA
#          graphs) once per switch value, each in its own process (the switch is read once);
#   bench  LUT b = 4 at M = 1, 4, 16 (fp16 and bf16 at b = 4), two alternating passes of never /
#          always / the rule; pair_rule.py's table per weight and its bound (rule.txt).
# Calls: "build tests" (~3.5 min with the start), "bench" (~2 min). Outputs: OUT/pair_rule.tgz,
# OUT/runs.tgz.
# Usage: OUT=$OUT AB_STEPS="build tests" bash benchmarks/experiments/h200_record_s36/pair_rule.sh
set -uo pipefail
source benchmarks/experiments/ab_lib.sh
ab_steps "${AB_STEPS:-build tests}"
ab_rundir pair_rule
HERE=benchmarks/experiments/h200_record_s36
if ab_step build; then
  ab_init pair_rule
  ab_build
  ab_pack
else
  ab_resume pair_rule
fi
if ab_step tests; then
  LUT_TESTS="(all_m_odd_shape and lut) or (odd_n_k_groups and lut) or lut_m1_ring \
or (llama_shapes and lut) or (cuda_graph and lut) or lut_alignment or lp0 or lpall"
  for mode in 0 1 2; do
    ANYPREC_LUT_PAIR=$mode ab_pytest "$R/tests_pair$mode.log" 150 tests/gpu/test_cuda_kernels.py \
      -k "$LUT_TESTS"
  done
  ab_pack
fi
if ab_step bench; then
  # n-tiles (N / 16) 256 .. 1792 at K = 4096 (16 chunks), and K = 8192, 14336 (32, 56 chunks)
  SHAPES=4096x4096,4096x6144,4096x8192,4096x10240,4096x12288,4096x14336,4096x28672
  SHAPES=$SHAPES,14336x4096,14336x8192,8192x8192,8192x28672
  for pass in 1 2; do
    ab_bench never$pass . ANYPREC_LUT_PAIR=0 -- --ms 1,4,16 --schemes lut --bits 4 --shapes $SHAPES
    ab_bench always$pass . ANYPREC_LUT_PAIR=2 -- --ms 1,4,16 --schemes lut --bits 4 --shapes $SHAPES
    ab_bench rule$pass . -- --ms 1,4,16 --schemes lut --bits 4 --shapes $SHAPES
  done
  ab_finish never1 always1 rule1 never2 always2 rule2
  cp "$RUNS/table.txt" "$R/table.txt"
  python3 "$HERE/pair_rule.py" "$RUNS" never1,never2 always1,always2 rule1,rule2 \
    > "$R/rule.txt" 2>&1
  cat "$R/rule.txt"
  ab_pack
fi
