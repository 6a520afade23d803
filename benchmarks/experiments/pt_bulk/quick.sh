#!/usr/bin/env bash
# The short A/B of PT's per-warp bulk form (branch wip/pt-bulk-warp; see README.md): one build,
# PT against the bulk form with 2 and 3 stages, uniform b = 2..8 at M = 1 on (4096, 28672) and
# (4096, 14336), then its switch tests. Made for the last ~4 device minutes of session 17.
# Usage (device, repository root of that branch):
#   OUT=dir bash benchmarks/experiments/pt_bulk/quick.sh
set -uo pipefail
source benchmarks/experiments/ab_lib.sh
ab_init ptbw
export ANYPREC_BUILD_CUDA=1 ANYPREC_CUDA_ARCHS=90a MAX_JOBS=16
rm -f vllm_anyprec/_C*.so; ab_build
A=(--ms 1 --schemes uniform --bits 2,3,4,5,6,7,8 --shapes 4096x28672,4096x14336)
export ANYPREC_PT_DEBUG=1
ab_bench pt . -- "${A[@]}"
ab_bench bulk2 . ANYPREC_PT_BULK=1 -- "${A[@]}"
ab_bench bulk3 . ANYPREC_PT_BULK=1 ANYPREC_PTB_STAGES=3 -- "${A[@]}"
AB_PT_LINES=30 ab_report pt bulk2 bulk3
timeout 100 python3 -m pytest -q -x tests/gpu/test_cuda_kernels.py -k "switches and bulk" > "$OUT/pytest.log" 2>&1
tail -2 "$OUT/pytest.log"
