#!/usr/bin/env bash
# Session 52's second call (README.md here): the defaults switches.sh and fold_fma2/final.sh
# chose (X8 by its new rule, MC by a strictly cheaper plan alone, the two-fma fold at M = 9..16
# for b = 6 too) on one machine, repository root, ~4 min with the start: the build, the decode
# tests they touch (every fold at M = 2..16, MC's rule weight, odd shapes, the Llama shapes,
# graphs, opcheck; the switch runs eight0 / eightrule / mcrule), then scripts/bench_kernels.py
# whole (every shape, M, b, scheme; cuBLAS fp16 in the same run; no vLLM here, so no Marlin).
# OUT/s52_check.tgz (gpu.txt, constants, tests, record/kernels_<gpu>.{json,png}, bench.log).
# Usage: [SWITCHES=0: without the switch runs] [BENCH_ARGS="..."] OUT=$OUT \
#   bash benchmarks/experiments/decode_switches_s52/check.sh
set -uo pipefail
source benchmarks/experiments/ab_lib.sh
source benchmarks/experiments/fold_fma2/decode_tests.sh
ab_start s52_check
fold_build_and_test 150
if [ "${SWITCHES:-1}" = 1 ]; then
  ab_pytest "$R/tests_switches.log" 120 tests/gpu/test_cuda_kernels.py -k \
    "eight0 or eightrule or mcrule"
  ab_pack
fi
t0=$(date +%s)
# (BENCH_ARGS: a part of the record for a short call, e.g. --shapes 4096x28672 --ms 2,4,16)
# shellcheck disable=SC2086
PYTHONPATH=$PWD python3 scripts/bench_kernels.py --out "$R/record" ${BENCH_ARGS:-} \
  > "$R/bench.log" 2>&1
echo "bench rc=$? in $(( $(date +%s) - t0 )) s"; tail -25 "$R/bench.log"
ab_pack
