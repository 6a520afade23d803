#!/usr/bin/env bash
# Prepared in session 32 for the next session's first call (device, repository root, carry
# .stage; ~4 min): session 31's callA (stages the vLLM bundle's first part for
# ../h200_record_s23/callB.sh, builds the tree, runs the decode subset: OUT/a.tgz), then the
# prefill tests on that build (session 32's staged 256-token epilogue was tested only in a build
# that had it in every kernel, ../prefill_epilogue/README.md): OUT/a_prefill.tgz.
# Usage: OUT=$OUT bash benchmarks/experiments/h200_record_s33/callA.sh
source benchmarks/experiments/ab_lib.sh  # (set -uo pipefail)
OUT=${OUT:-device_out} bash benchmarks/experiments/h200_record_s31/callA.sh
ab_rundir a_prefill
ab_pytest "$R/tests_prefill.log" 150 tests/gpu/test_prefill_wgmma.py
ab_pack
