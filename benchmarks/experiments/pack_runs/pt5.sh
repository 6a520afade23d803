#!/usr/bin/env bash
# PT for b = 5 on the runs words (session 14): the rule's default (PT where the tiles make two
# rounds, as b = 4, 6, 7, 8) against the ring kernel (PT=0) and PT forced, uniform b = 5 at
# M = 1 on the wide weights (session 13's sweep had PT 10% slower on (8192, 28672) with the bits
# words) and the targets' (14336, 4096).
# Usage (device, repository root): OUT=dir bash benchmarks/experiments/pack_runs/pt5.sh
set -uo pipefail
source benchmarks/experiments/ab_lib.sh
ab_init pack_runs_pt5
ls vllm_anyprec/_C*.so > /dev/null 2>&1 || ab_build
ARGS=(--ms 1 --schemes uniform --bits 5,6 --shapes 4096x28672,8192x28672,4096x14336,14336x4096)
ab_bench rule . ANYPREC_PT_DEBUG=1 -- "${ARGS[@]}"
ab_bench ring . ANYPREC_DECODE_PT=0 -- "${ARGS[@]}"
ab_bench pt . ANYPREC_DECODE_PT=2 -- "${ARGS[@]}"
ab_bench rule2 . -- "${ARGS[@]}"
ab_report rule ring pt rule2
