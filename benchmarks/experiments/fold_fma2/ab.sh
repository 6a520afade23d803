#!/usr/bin/env bash
# Session 51 (README.md here): the decode kernels' two-fma fold (anyprec.cuh fold_acc, the
# default) against the three-op fold it replaced (-DANYPREC_FOLD_FMA2=0), and, on it, the
# float16 fold metadata at every width (-DANYPREC_META16_BITS=0x1FC; the default is b = 3, 4)
# at M = 1..16; then the prefill side of the default mask (b = 3, 4 against the fp32 table,
# -DANYPREC_META16_BITS=0: session 50's open question) at M = 256..2048.
# One machine, repository root, ~8 min with the start: the tree and three copies built at once,
# the uniform M = 1 tests on the tree, two alternating passes of bench_kernels over the decode
# variants (uniform, b = 2..8, the four Llama-3-8B weights, fp16, and bf16 at b = 4, as
# bench_kernels times), three over the prefill pair. OUT/fold_fma2.tgz (gpu.txt, tests, tables,
# ratios: variant time / tree time, > 1 the tree is faster) and OUT/runs.tgz.
# Usage: [MS=1,2,4,8,9,12,16] [PMS=256,512,1024,2048] OUT=$OUT \
#   bash benchmarks/experiments/fold_fma2/ab.sh
set -uo pipefail
source benchmarks/experiments/ab_lib.sh
ab_start fold_fma2
ab_build_variants "fold3 -DANYPREC_FOLD_FMA2=0" "m16all -DANYPREC_META16_BITS=0x1FC" \
  "m32 -DANYPREC_META16_BITS=0"
ab_pack
ab_tests_m1 . "$R/tests_tree.log"
ab_pack
ab_bench_passes 2 "tree ." "fold3 /tmp/fold3" "m16all /tmp/m16all" -- --schemes uniform \
  --bits 2,3,4,5,6,7,8 --ms "${MS:-1,2,4,8,9,12,16}"
ab_finish tree1 fold31 m16all1 tree2 fold32 m16all2
cp "$RUNS/table.txt" "$R/table_decode.txt"
ab_ratios "$R/ratios_fold3.txt" fold31 fold32 tree1,tree2
ab_ratios "$R/ratios_m16all.txt" m16all1 m16all2 tree1,tree2
ab_pack
ab_bench_passes 3 "ptree ." "pm32 /tmp/m32" -- --schemes uniform --bits 3,4 \
  --ms "${PMS:-256,512,1024,2048}"
ab_finish ptree1 pm321 ptree2 pm322 ptree3 pm323
cp "$RUNS/table.txt" "$R/table_prefill.txt"
{ python3 benchmarks/experiments/prefill_pdl/ratios.py --bits "$RUNS" ptree1 ptree2
  python3 benchmarks/experiments/prefill_pdl/ratios.py --bits "$RUNS" pm321,pm322,pm323 \
    ptree1,ptree2,ptree3; } > "$R/ratios_prefill.txt" 2>&1
cat "$R/ratios_prefill.txt"
ab_pack
