#!/usr/bin/env bash
# Session 42, after EW on and ET by its rule became the defaults (fused_gemm.cuh, pdl_et_takes):
# the tree against both flags off (-DANYPREC_PDL_EW=0 -DANYPREC_PDL_ET=0, the default before), in
# one call on one machine: both built (the tree's build is reused if it is there), then
# bench_kernels at M = 1, 4, 16, b = 2..8, both schemes, the four Llama-3-8B weights, two
# alternating passes; ratios.txt (off time / tree time per width: > 1, the tree is faster) and
# table.txt. Device, repository root, ~5 min on a warm machine. OUT/pdlconfirm.tgz, OUT/runs.tgz.
# Usage: OUT=$OUT bash benchmarks/experiments/pdl_early/confirm.sh
set -uo pipefail
source benchmarks/experiments/ab_lib.sh
ab_start pdlconfirm
ab_build_variants "off -DANYPREC_PDL_EW=0 -DANYPREC_PDL_ET=0"
ab_pack
export AB_TIMEOUT=90
ab_vs_tree off rule --ms 1,4,16 --bits 2,3,4,5,6,7,8
