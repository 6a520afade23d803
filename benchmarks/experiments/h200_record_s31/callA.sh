#!/usr/bin/env bash
# Session 31, call A (device, repository root, carry .stage; ~5 min): stages the vLLM bundle's
# first part for the record's second call (../h200_record_s23/callB.sh, carry .stage2, right
# after this one), builds the tree, and runs the decode tests that the new PDL defaults reach
# (ANYPREC_PDL=2 with launch.h's grid rule for LUT; the switch runs pdl1 / pdl0 / pdlrule0),
# the graph, opcheck and end-to-end tests. OUT/a.tgz.
# Usage: OUT=$OUT bash benchmarks/experiments/h200_record_s31/callA.sh
source benchmarks/experiments/ab_lib.sh  # (set -uo pipefail)
ab_stage_vllm .stage
ab_rundir a
nvidia-smi --query-gpu=name,clocks.sm,clocks.mem --format=csv > "$R/gpu.txt"
OUT=$R ab_build
ab_pack
ab_pytest "$R/tests_decode.log" 330 tests/gpu/test_cuda_kernels.py -k "pdl1 or pdl0 or pdlrule0 \
or cuda_graph or opcheck or end_to_end or all_m_odd_shape or llama_shapes or lut_m1_ring"
ab_pack
