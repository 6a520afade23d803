#!/usr/bin/env bash
# Session 43 (device, repository root; a fresh machine: builds the tree): the M = 1 launch
# settings against their alternatives again, now that the decode kernels issue their first
# weight loads before the PDL wait and trigger early (EW / ET, session 42). Those cut the ring
# and register kernels' fixed cost per call but not the persistent-tile (PT) kernel's, so the
# rules chosen before them (PT at b >= 4 on (4096, 28672), LP at LUT b = 4, the LUT grid rule
# of PDL, the warps per block) may no longer pick the fastest kernel.
# Run-time switches on one build, two alternating passes, M = 1, b = 2..8, both schemes, the
# four Llama-3-8B weights (the tree's default first in each pass):
#   pt0 / st3               ANYPREC_DECODE_PT=0 (PT never), ANYPREC_PT_STAGES=3 (b >= 4);
#   ptw2 / ptw8 / bal0      ANYPREC_PT_WARPS=2 / 8, ANYPREC_PT_BALANCE=0 (PT's grid: every
#                           resident block, the last round part-full);
#   lp0 / lpb               ANYPREC_LUT_PIPE=0 (LP never), ANYPREC_LUT_PIPE_BITS=0x1C (LP at
#                           LUT b = 2..4, as before session 40);
#   pair0 / pair2           ANYPREC_LUT_PAIR=0 / 2 (the b = 4 pair tables never / always);
#   rule0                   ANYPREC_PDL_RULE=0 (PDL for every LUT grid);
#   dw8 / wave2 / wave0     ANYPREC_DECODE_WARPS=8, ANYPREC_DECODE_WAVE=2 / 0 (warps per block:
#                           forced, the wave model always / never).
# VARIANTS (space-separated names from the list) runs a subset (default: all).
# ~7 min with the start. OUT/m1_sweep.tgz (ratios.txt: default time / variant time per scheme
# and b, > 1: the variant is faster; table.txt per cell, both passes; gpu.txt).
# Usage: OUT=$OUT bash benchmarks/experiments/record_s43/m1_sweep.sh
set -uo pipefail
source benchmarks/experiments/ab_lib.sh
ab_start m1_sweep
ab_build
export PYTHONPATH=$PWD
SHAPES=4096x6144,4096x4096,4096x28672,14336x4096
ARGS=(--ms 1 --schemes uniform,lut --shapes $SHAPES)
ALL=("pt0 ANYPREC_DECODE_PT=0" "st3 ANYPREC_PT_STAGES=3"
     "ptw2 ANYPREC_PT_WARPS=2" "ptw8 ANYPREC_PT_WARPS=8" "bal0 ANYPREC_PT_BALANCE=0"
     "lp0 ANYPREC_LUT_PIPE=0" "lpb ANYPREC_LUT_PIPE_BITS=0x1C"
     "pair0 ANYPREC_LUT_PAIR=0" "pair2 ANYPREC_LUT_PAIR=2" "rule0 ANYPREC_PDL_RULE=0"
     "dw8 ANYPREC_DECODE_WARPS=8" "wave2 ANYPREC_DECODE_WAVE=2" "wave0 ANYPREC_DECODE_WAVE=0")
picked=("base")
for v in "${ALL[@]}"; do
  if [ -z "${VARIANTS:-}" ] || [[ " $VARIANTS " == *" ${v%% *} "* ]]; then picked+=("$v"); fi
done
ab_switch_passes "${picked[@]}" -- "${ARGS[@]}"
