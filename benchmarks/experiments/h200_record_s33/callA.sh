#!/usr/bin/env bash
# Prepared in session 32 for the next session's first call (device, repository root, carry
# .stage; ~4 min): stages the vLLM bundle's first part for the record's second call
# (../h200_record_s23/callB.sh, carry .stage2, right after this one), builds the tree, and runs
# the prefill tests on it (session 32's staged 256-token epilogue was tested only in a build
# that had it in every kernel, ../prefill_epilogue/README.md), then the decode subset of
# session 31's callA (PDL switches, graphs, opcheck, end to end, odd and Llama shapes). OUT/a.tgz.
# Usage: OUT=$OUT bash benchmarks/experiments/h200_record_s33/callA.sh
source benchmarks/experiments/ab_lib.sh  # (set -uo pipefail)
ab_stage_vllm .stage
ab_rundir a
nvidia-smi --query-gpu=name,clocks.sm,clocks.mem --format=csv > "$R/gpu.txt"
OUT=$R ab_build
ab_pack
ab_pytest "$R/tests_prefill.log" 150 tests/gpu/test_prefill_wgmma.py
ab_pack
ab_pytest "$R/tests_decode.log" 330 tests/gpu/test_cuda_kernels.py -k "pdl1 or pdl0 or pdlrule0 \
or cuda_graph or opcheck or end_to_end or all_m_odd_shape or llama_shapes or lut_m1_ring"
ab_pack
