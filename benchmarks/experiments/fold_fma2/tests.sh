#!/usr/bin/env bash
# Session 51 (README.md here): final.sh's tests alone, for a call with little device time left:
# the tree built (sm_90a), its layout constants, and the decode tests the session's defaults
# touch (every fold at M = 1..16, odd shapes, the Llama shapes, graphs, opcheck). ~2.5 min with
# the start. OUT/fold_tests.tgz (constants, tests log).
# Usage: OUT=$OUT bash benchmarks/experiments/fold_fma2/tests.sh
set -uo pipefail
source benchmarks/experiments/ab_lib.sh
source benchmarks/experiments/fold_fma2/decode_tests.sh
ab_rundir fold_tests
fold_build_and_test 120
