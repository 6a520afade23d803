#!/usr/bin/env bash
# ANYPREC_X_FULL (session 37, compile-checked only; README.md here) on the device, repository
# root: the tree against a build with -DANYPREC_X_FULL=15, whose register decode kernels
# (MT <= 2: uniform M = 2..16 outside X8 / XB, LUT M <= 16 outside LP, the M1 fallbacks) load
# a whole chunk's x unchecked and run the chunk that crosses K after their loop.
# Steps (AB_STEPS):
#   build     the tree and /tmp/xf at once;
#   tests     on xf: the decode subset (every M = 1..16 path the flag touches: odd shapes,
#             every fold, the chunk tails, the capped kernels, the Llama weights, graphs), and
#             the switch runs that move launches onto other register kernels (mcall: MC
#             everywhere; pairs0: the LUT b = 4 NP instances; eight0: X8 off; pipe0: the M = 1
#             register kernels, the rings' fallback);
#   memcheck  compute-sanitizer memcheck on xf of the chunk tails and odd shapes at b = 4
#             (rows past M now read row M - 1, whole chunks load unchecked);
#   bench     two alternating passes of tree / xf: uniform b = 2..8 at M = 2, 5, 8, 12, 16 and
#             LUT b = 2..8 at M = 1, 4, 8, 16, five weights; ratios.txt (tree / xf time per
#             scheme, M, b: > 1 means X_FULL is faster), after the tree's two passes against
#             each other (the noise).
# Calls: "build tests" (~6 min with the start), "memcheck bench" (~7 min). Outputs:
# OUT/xfull.tgz, OUT/runs.tgz, OUT/memcheck.log.
# Usage: OUT=$OUT AB_STEPS="build tests" bash benchmarks/experiments/x_full/run.sh
set -uo pipefail
source benchmarks/experiments/ab_lib.sh
ab_steps "${AB_STEPS:-build tests}"
ab_rundir xfull
if ab_step build; then
  ab_init xfull
  ab_build_variants "xf -DANYPREC_X_FULL=15"
  ab_pack
else
  ab_resume xfull
fi
if ab_step tests; then
  (cd /tmp/xf && ab_pytest "$R/tests_xf.log" 330 tests/gpu/test_cuda_kernels.py -k \
    "all_m_odd_shape or odd_n_k_groups or m2_8_every_fold or m9_16_every_fold or chunk_tails \
or mt2_cap_rule or xb_rule_wide or llama_shapes or cuda_graph or lut_m1_ring")
  ab_pack
  (cd /tmp/xf && ab_pytest "$R/tests_xf_switches.log" 200 tests/gpu/test_cuda_kernels.py -k \
    "mcall or pairs0 or eight0 or pipe0")
  ab_pack
fi
if ab_step memcheck; then
  (cd /tmp/xf && ab_memcheck tests/gpu/test_cuda_kernels.py \
    "chunk_tails or (all_m_odd_shape and 4-)")
  ab_pack
fi
if ab_step bench; then
  SHAPES=4096x6144,4096x4096,4096x28672,14336x4096,4096x14336
  export AB_TIMEOUT=150
  for pass in 1 2; do
    ab_bench base_u$pass . -- --ms 2,5,8,12,16 --schemes uniform --shapes $SHAPES
    ab_bench xf_u$pass /tmp/xf -- --ms 2,5,8,12,16 --schemes uniform --shapes $SHAPES
    ab_bench base_l$pass . -- --ms 1,4,8,16 --schemes lut --shapes $SHAPES
    ab_bench xf_l$pass /tmp/xf -- --ms 1,4,8,16 --schemes lut --shapes $SHAPES
  done
  ab_finish base_u1 xf_u1 base_u2 xf_u2 base_l1 xf_l1 base_l2 xf_l2
  cp "$RUNS/table.txt" "$R/table_xf.txt"
  # (a comma list is one variant's runs: here both schemes' files of a pass, or all four)
  ab_ratios "$R/ratios.txt" base_u1,base_l1 base_u2,base_l2 xf_u1,xf_l1,xf_u2,xf_l2
  ab_pack
fi
