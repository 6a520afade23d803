#!/usr/bin/env bash
# Session 19's last call: the ncu summary of the M = 1 targets still missed on the code of the
# record (uniform b = 3, 4, 5, LUT b = 4, cuBLAS fp16; (4096, 28672) and (14336, 4096); session
# 14's summary predates the wide ring, the runs words and the LUT register tables), then the M = 1
# uniform b = 4, 5 timing under PT's run-time overrides (warps per block 2 / 3 / 6 / 8, 3 stages,
# contiguous tiles, PT off) against the default, same build. Device, repository root.
# Usage: OUT=dir bash benchmarks/experiments/h200_record_s19/profile.sh   (SKIP_BUILD=1: built)
set -uo pipefail
source benchmarks/experiments/ab_lib.sh
ab_init s19_pt
if [ "${SKIP_BUILD:-0}" != 1 ]; then rm -f vllm_anyprec/_C*.so; ab_build; fi
PYTHONPATH=$PWD OUT=$OUT CFGS="fp16 16|uniform 3|uniform 4|uniform 5|lut 4" \
  bash benchmarks/experiments/h100_record/profile_m1.sh > "$OUT/ncu_m1_summary.txt" 2>&1
cat "$OUT/ncu_m1_summary.txt"
A=(--ms 1 --schemes uniform --bits 4,5 --shapes 4096x28672,14336x4096,4096x14336)
export ANYPREC_PT_DEBUG=1
ab_bench_each def "w2 ANYPREC_PT_WARPS=2" "w3 ANYPREC_PT_WARPS=3" "w6 ANYPREC_PT_WARPS=6" \
  "w8 ANYPREC_PT_WARPS=8" "st3 ANYPREC_PT_STAGES=3" "contig ANYPREC_PT_CONTIG=1" \
  "pt0 ANYPREC_DECODE_PT=0" def2 -- "${A[@]}"
AB_PT_LINES=20 ab_report def w2 w3 w6 w8 st3 contig pt0 def2
