#!/usr/bin/env bash
# Session 52 (README.md here): the run-time launch switches at M = 2..16 on the current code,
# on the H100 (uniform b = 4 against Marlin-4 misses at M = 2, 4 and 16 on (4096, 28672)).
# The H100 record (session 50's code) has b = 4 at M = 8 on the plain register kernel 22.3 us,
# faster than M = 2 / 4 through X8 (24.3 / 24.6 us): X8's rule (b >= 4, M <= 4) was measured on
# the H200 in session 18, before EW / ET, LM, META16 and the two-fma fold sped up the plain
# kernel. Two sets, each in two alternating passes on one build (the tree):
#   1. M = 2, 3, 4, b = 2..8, every Llama-3-8B weight: X8 off (ANYPREC_DECODE_X8=0) and X8 at
#      every b (=2) against the rule;
#   2. M = 9, 12, 16, b = 3..8, (4096, 28672): MC never / always (ANYPREC_MT2_CAP=0 / 2), XB by
#      its rule at b >= 3 (ANYPREC_DECODE_XB=1, ANYPREC_XB_MIN_BITS=3), 4 and 8 warps per block
#      (ANYPREC_DECODE_WARPS) against the defaults.
# Builds the tree unless it is built (after fold_fma2/final.sh on the same machine: ~1.5 min).
# OUT/decode_switches.tgz: gpu.txt, table_x8.txt, ratios_x8.txt, table_m16.txt, ratios_m16.txt
# (base time / switch time: > 1, the switch is faster); OUT/runs.tgz.
# Usage: OUT=$OUT bash benchmarks/experiments/decode_switches_s52/switches.sh
set -uo pipefail
source benchmarks/experiments/ab_lib.sh
ab_start decode_switches
ls vllm_anyprec/_C*.so > /dev/null 2>&1 || ab_build

AB_SET=x8 ab_switch_passes "x8rule" "x8off ANYPREC_DECODE_X8=0" "x8all ANYPREC_DECODE_X8=2" -- \
  --schemes uniform --bits 2,3,4,5,6,7,8 --ms 2,3,4
AB_SET=m16 ab_switch_passes "m16base" "cap0 ANYPREC_MT2_CAP=0" "cap2 ANYPREC_MT2_CAP=2" \
  "xb ANYPREC_DECODE_XB=1 ANYPREC_XB_MIN_BITS=3" "w4 ANYPREC_DECODE_WARPS=4" \
  "w8 ANYPREC_DECODE_WARPS=8" -- --schemes uniform --bits 3,4,5,6,7,8 --ms 9,12,16 \
  --shapes 4096x28672
echo "switches done in $(( $(date +%s) - AB_START )) s"
