#!/usr/bin/env bash
# Session 51 (README.md here), the second call: the defaults that ab.sh's A/B chose (the
# two-fma fold at M <= 8 for every width and at M = 9..16 for b = 3, 4, 5, 7, 8; the float16
# fold metadata at b = 3..6 and 8) against session 50's code (the three-op fold, float16 at
# b = 3, 4: -DANYPREC_FOLD_FMA2=0 -DANYPREC_META16_BITS=0x18). One machine, repository root,
# ~5 min with the start: both built at once, the decode tests the defaults touch (every fold at
# M = 1..16, odd shapes, the Llama shapes, graphs, opcheck) on the tree, two
# alternating passes of bench_kernels (uniform, b = 2..8, M = 1..16, the four Llama-3-8B
# weights, fp16 and bf16 at b = 4). OUT/fold_final.tgz (gpu.txt, constants, tests, table,
# ratios: old time / tree time, > 1 the tree is faster) and OUT/runs.tgz.
# Session 52 added a third build, f2b6: the two-fma fold at M = 9..16 for b = 6 too
# (-DANYPREC_FOLD_FMA2_MT2_BITS=0x1F8). On the float16 table b = 6's g128 MT = 2 kernel takes 154
# registers with it (158 on the three-op fold); session 51's 174 was on the fp32 table
# (ratios_f2b6.txt: tree time / f2b6 time, > 1 f2b6 is faster).
# Usage: [MS=1,2,4,8,9,12,16] OUT=$OUT bash benchmarks/experiments/fold_fma2/final.sh
set -uo pipefail
source benchmarks/experiments/ab_lib.sh
source benchmarks/experiments/fold_fma2/decode_tests.sh
ab_start fold_final
ab_build_variants "old -DANYPREC_FOLD_FMA2=0 -DANYPREC_META16_BITS=0x18" \
  "f2b6 -DANYPREC_FOLD_FMA2_MT2_BITS=0x1F8"
ab_constants . "$R/constants.txt"
ab_pack
fold_decode_tests "$R/tests_decode.log" 150
ab_pack
ab_bench_passes 2 "tree ." "old /tmp/old" "f2b6 /tmp/f2b6" -- --schemes uniform --bits 2,3,4,5,6,7,8 \
  --ms "${MS:-1,2,4,8,9,12,16}"
ab_finish tree1 old1 f2b61 tree2 old2 f2b62
cp "$RUNS/table.txt" "$R/table.txt"
ab_ratios "$R/ratios.txt" old1 old2 tree1,tree2
ab_ratios "$R/ratios_f2b6.txt" tree1 tree2 f2b61,f2b62
ab_pack
