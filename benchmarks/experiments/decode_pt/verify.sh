#!/usr/bin/env bash
# The PT rule as the default (device, repository root): build, tests/gpu (every test except the
# non-PT kernel switches, which the PT change does not touch), then uniform M = 1 on the four
# Llama-3-8B weights and the TP = 2 gate/up, ring kernel (ANYPREC_DECODE_PT=0) against the
# default, twice in alternation. Usage: OUT=dir bash benchmarks/experiments/decode_pt/verify.sh
set -uo pipefail
source benchmarks/experiments/ab_lib.sh
ab_init decode_pt_verify
ls vllm_anyprec/_C*.so > /dev/null 2>&1 || ab_build
export PYTHONPATH=$PWD
T=$(timeout 330 python3 -m pytest -q tests/gpu \
    -k "not m1_kernel_switches or pt0 or pt1b0 or pt2g3 or pt2g2c" 2>&1 | tail -8)
echo "$T" > "$RUNS/tests.txt"
ARGS=(--ms 1 --schemes uniform --shapes 4096x6144,4096x4096,4096x28672,14336x4096,4096x14336)
ab_bench off1 . ANYPREC_DECODE_PT=0 -- "${ARGS[@]}"
ab_bench on1 . -- "${ARGS[@]}"
ab_bench on2 . -- "${ARGS[@]}"
ab_bench off2 . ANYPREC_DECODE_PT=0 -- "${ARGS[@]}"
ab_report off1 off2 on1 on2
echo "tests: $T"
