#!/usr/bin/env bash
# Session 42: EW in the persistent-tile kernels (fused_gemm.cuh, ANYPREC_PDL_EW=2: the M = 1 PT
# kernel and X8's PT kernel issue their ring prologue's weights before pdl_wait, the warp's
# first chunks along its tile sequence) against the tree (EW=1: not in them), in one call: a
# copy built with EW=2 (withpt); the tests on it (the M = 1 and M = 2..8 folds, long K, the
# Llama weights, graphs, and the PT / X8-PT switch runs: forced on small weights with several
# tiles per block, 3 stages, contiguous tiles); bench_kernels, uniform, M = 1 and 4, b = 2..8,
# on the weights PT takes ((4096, 28672), (4096, 14336), (8192, 28672)), two alternating passes;
# ratios.txt (withpt time / tree time: < 1, EW in PT is faster), table.txt. Device, repository
# root, ~7 min with the start. OUT/pdlpt.tgz, OUT/runs.tgz. (Session 42 ran it at 5bbf77e,
# where the tree had EW=2 and the copy EW=1, tagged ew1_1 / ew1_2 in runs_s42/pt/.)
# Usage: OUT=$OUT bash benchmarks/experiments/pdl_early/pt.sh
set -uo pipefail
source benchmarks/experiments/ab_lib.sh
ab_start pdlpt
ab_build_variants "withpt -DANYPREC_PDL_EW=2"
ab_pack
ab_pytest_in /tmp/withpt "$R/tests.log" 120 tests/gpu/test_cuda_kernels.py -k \
  "m1_every_fold or m1_long_k or m2_8_every_fold or llama_shapes or cuda_graph \
or pt2g3 or pt2g2c or ptst or eightpt or eightpt3"
export AB_TIMEOUT=90
ab_vs_tree withpt tree --ms 1,4 --bits 2,3,4,5,6,7,8 --schemes uniform \
  --shapes 4096x28672,4096x14336,8192x28672
