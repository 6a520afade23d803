#!/usr/bin/env bash
# Session 26, second call (device, repository root, carry .stage): stage the vLLM bundle's first
# part for the record's second call (h200_record_s23/callB.sh), build, and run the kernel tests
# that ../dequant_v2/call1.sh's 330 s cut left (rest_ids.txt: test_cuda_kernels.py from test 200
# of 249 as collected on the CPU; the first 206 passed in call 1).
# Usage: OUT=$OUT bash benchmarks/experiments/h200_record_s26/call2.sh
set -uo pipefail
OUT=${OUT:-device_out}
mkdir -p "$OUT"
source benchmarks/experiments/ab_lib.sh
ab_stage_vllm .stage
ab_build
ab_pytest "$OUT/tests_rest.log" 240 $(cat benchmarks/experiments/h200_record_s26/rest_ids.txt)
