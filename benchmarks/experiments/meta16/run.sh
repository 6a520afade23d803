#!/usr/bin/env bash
# 16-bit fold metadata (device, repository root): build, tests/gpu (every uniform path reads the
# new table: decode, XS, stream-K, persistent tiles, prefill), two kernel switches that take the
# other M = 1 kernels (stream-K everywhere, PT on 3 blocks), then uniform M = 1 and 16 on the
# Llama-3-8B weights and the TP = 2 gate/up (the baseline with fp32 metadata is the "on" column
# of ../decode_pt/runs_verify, the call before on the same kind of machine).
# Usage: OUT=dir bash benchmarks/experiments/meta16/run.sh
set -uo pipefail
source benchmarks/experiments/ab_lib.sh
ab_init meta16
ls vllm_anyprec/_C*.so > /dev/null 2>&1 || ab_build
export PYTHONPATH=$PWD
T=$(timeout 200 python3 -m pytest -q -x tests/gpu -k "not m1_kernel_switches or sk2 or pt2g3" 2>&1 \
    | tail -6)
echo "$T" > "$RUNS/tests.txt"
ab_bench m16a . -- --ms 1,16 --schemes uniform \
  --shapes 4096x6144,4096x4096,4096x28672,14336x4096,4096x14336
ab_report m16a
echo "tests: $T"
