#!/usr/bin/env bash
# Session 36, before the record (device, repository root, carry .stage): stage_build.sh (the
# vLLM bundle's first part staged again, the tree built as committed), then the tests of what
# the A/B turned on: the pair tables' rule at its final bounds (pairsrule: 256 n-tiles take
# them, 1792 of 16 chunks do not, 56 chunks always) and MR at b = 7 (M = 9..16, every fold;
# forced everywhere in ab.sh's mr1 build, the same kernel). Kept short: the budget left.
# OUT/tests_defaults.log.
# Usage: OUT=$OUT bash benchmarks/experiments/h200_record_s36/stage_tests.sh
set -uo pipefail
bash benchmarks/experiments/h200_record_s35/stage_build.sh || exit 1
source benchmarks/experiments/ab_lib.sh
OUT=${OUT:-device_out}
ab_pytest "$OUT/tests_defaults.log" 150 tests/gpu/test_cuda_kernels.py -k \
  "pairsrule or (m9_16 and 7-)"
