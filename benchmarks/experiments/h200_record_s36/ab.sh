#!/usr/bin/env bash
# Session 36 (device, repository root): two launch questions, timed on one machine.
# 1. The LUT pair tables' launch rule (fused_gemm.cuh, lut_pairs_take). Session 35 turned the
#    b = 4 pair tables on everywhere; they won on weights of 256 and 384 n-tiles and lost 7-10%
#    on 896 and 1792 (h200_record_s35/README.md). The rule keeps them to weights of at most a
#    bound of n-tiles per SM, by M. Both forms run on one build (the run-time switch
#    ANYPREC_LUT_PAIR: 0 never, 2 always, 1 the rule) over weights of 256 to 1792 n-tiles and K
#    of 4096 to 14336; pair_rule.py gives the bounds from the data.
# 2. MR, the uniform M = 9..16 kernel under a register cap at b = 5..8 (fused_gemm.cuh,
#    ANYPREC_MT2_REGS_Bb): META16's build took b = 7 from 174 to 168 registers and ran M = 16
#    1.15x faster. mr1 caps b = 5 / 6 / 7 / 8 at 152 / 152 / 168 / 184 (one resident warp more
#    per SM each), mr2 at 144 / 144 / 152 / 168 (two more). At g128, the timed fold, ptxas
#    spills nothing in mr1 and 20 bytes at b = 6 in mr2 (sm_90a, -Xptxas -v). Each by MC's rule
#    (mt2_cap_wins) and forced (ANYPREC_MT2_CAP=2).
# Steps (AB_STEPS):
#   build  the tree, mr1 and mr2, at once;
#   tests  the tree: the LUT subset, and the pair switch runs (never, always, the rule: it must
#          take 256 n-tiles and leave 1792); mr1, mr2: the capped-kernel switch runs (forced at
#          every M = 9..16 test, by the rule, off);
#   bench  (1) LUT b = 4 at M = 1, 4, 16 (fp16; bf16 too at b = 4), never / always / the rule;
#          rule.txt; (2) uniform b = 5..8 at M = 9, 12, 16, base / mr1 / mr2 / both forced, five
#          weights; ratios_mr.txt. Two alternating passes each.
# Calls: "build tests" (~6 min with the start), "bench" (~3.5 min). Outputs: OUT/ab36.tgz,
# OUT/runs.tgz.
# Usage: OUT=$OUT AB_STEPS="build tests" bash benchmarks/experiments/h200_record_s36/ab.sh
set -uo pipefail
source benchmarks/experiments/ab_lib.sh
ab_steps "${AB_STEPS:-build tests}"
ab_rundir ab36
HERE=benchmarks/experiments/h200_record_s36
MR1="-DANYPREC_MT2_REGS_B5=152 -DANYPREC_MT2_REGS_B6=152"
MR1="$MR1 -DANYPREC_MT2_REGS_B7=168 -DANYPREC_MT2_REGS_B8=184"
MR2="-DANYPREC_MT2_REGS_B5=144 -DANYPREC_MT2_REGS_B6=144"
MR2="$MR2 -DANYPREC_MT2_REGS_B7=152 -DANYPREC_MT2_REGS_B8=168"
if ab_step build; then
  ab_init ab36
  ab_build_variants "mr1 $MR1" "mr2 $MR2"
  ab_pack
else
  ab_resume ab36
fi
if ab_step tests; then
  ab_pytest "$R/tests_lut.log" 150 tests/gpu/test_cuda_kernels.py -k \
    "(all_m_odd_shape and lut) or (odd_n_k_groups and lut) or lut_m1_ring or (llama_shapes and lut) \
or (cuda_graph and lut) or lut_alignment"
  ab_pytest "$R/tests_pairs.log" 200 tests/gpu/test_cuda_kernels.py -k "pairs0 or pairs2 or pairsrule"
  ab_pack
  for v in mr1 mr2; do
    (cd "/tmp/$v" && ab_pytest "$R/tests_$v.log" 200 tests/gpu/test_cuda_kernels.py -k \
      "mcall or mcrule or mc0 or xb_rule_wide")
    ab_pack
  done
fi
if ab_step bench; then
  # (1) n-tiles (N / 16) 256 .. 1792 at K = 4096 (16 chunks), and K = 8192, 14336 (32, 56)
  SHAPES=4096x4096,4096x6144,4096x8192,4096x10240,4096x12288,4096x14336,4096x28672
  SHAPES=$SHAPES,14336x4096,14336x8192,8192x8192,8192x28672
  for pass in 1 2; do
    ab_bench never$pass . ANYPREC_LUT_PAIR=0 -- --ms 1,4,16 --schemes lut --bits 4 --shapes $SHAPES
    ab_bench always$pass . ANYPREC_LUT_PAIR=2 -- --ms 1,4,16 --schemes lut --bits 4 --shapes $SHAPES
    ab_bench rule$pass . -- --ms 1,4,16 --schemes lut --bits 4 --shapes $SHAPES
  done
  ab_finish never1 always1 rule1 never2 always2 rule2
  cp "$RUNS/table.txt" "$R/table_pairs.txt"
  python3 "$HERE/pair_rule.py" "$RUNS" never1,never2 always1,always2 rule1,rule2 \
    > "$R/rule.txt" 2>&1
  cat "$R/rule.txt"
  ab_pack
  # (2)
  SHAPES=4096x6144,4096x4096,4096x28672,14336x4096,4096x14336
  ARGS=(--ms 9,12,16 --schemes uniform --bits 5,6,7,8 --shapes $SHAPES)
  for pass in 1 2; do
    ab_bench base$pass . -- "${ARGS[@]}"
    ab_bench mr1r$pass /tmp/mr1 -- "${ARGS[@]}"
    ab_bench mr2r$pass /tmp/mr2 -- "${ARGS[@]}"
    ab_bench mr1f$pass /tmp/mr1 ANYPREC_MT2_CAP=2 -- "${ARGS[@]}"
    ab_bench mr2f$pass /tmp/mr2 ANYPREC_MT2_CAP=2 -- "${ARGS[@]}"
  done
  ab_finish base1 mr1r1 mr2r1 mr1f1 mr2f1 base2 mr1r2 mr2r2 mr1f2 mr2f2
  cp "$RUNS/table.txt" "$R/table_mr.txt"
  ab_ratios "$R/ratios_mr.txt" base1 base2 mr1r1,mr1r2 mr2r1,mr2r2 mr1f1,mr1f2 mr2f1,mr2f2
  ab_pack
fi
