#!/usr/bin/env bash
# Session 39 on the H100, the next on the H200 (device, repository root; a fresh machine: builds
# the tree): the M = 1 launch settings, tuned on the H200 since session 12, against their
# alternatives (run in session 39 on the H100, the card the targets name), and the
# M = 256 ncu profiles again with profile_kernel.py on the op's own path (the prefill kernel;
# the record call's m256 profiles ran the decode kernel).
# Run-time switches on one build, two alternating passes, M = 1, b = 2..8, both schemes, the
# four Llama-3-8B weights (the tree's default first in each pass):
#   st3 / st2  ANYPREC_PT_STAGES=3 / 2 (the persistent-tile ring's depth; default 3 at b <= 3,
#              2 above, so each moves one half of the widths);
#   w2 / w8    ANYPREC_PT_WARPS=2 / 8 (warps per PT block; default 4);
#   pt0 / pt2  ANYPREC_DECODE_PT=0 / 2 (PT never / always; default by its rule: (4096, 28672)
#              takes it, (14336, 4096) runs the wide ring);
#   lp0 / lp2  ANYPREC_LUT_PIPE=0 / 2 (the LUT M = 1 ring never / always; default its rule);
#   cand       what the H100 preferred per width (session 39): LP at b = 4 only
#              (ANYPREC_LUT_PIPE_BITS=0x10) and the PT ring's 3 stages at b = 2 only
#              (ANYPREC_PT_STAGES3_BITS=0x4); the two masks came after the H100 run.
# ~6.5 min with the start. OUT/h100_m1.tgz (ratios.txt: default time / variant time per scheme and
# b, > 1: the variant is faster; table.txt per cell), OUT/ncu_m256_*.txt.
# Usage: OUT=$OUT bash benchmarks/experiments/record_s39/h100_m1.sh
set -uo pipefail
source benchmarks/experiments/ab_lib.sh
ab_rundir h100_m1
ab_init h100_m1
ab_build
export PYTHONPATH=$PWD
OUT=$OUT RAW_NAME=ncu_m256_raw.txt M=256 KNS="4096 4096" CFGS="fp16 16|lut 8|uniform 4" \
  PIPES=1 bash benchmarks/experiments/h100_record/profile_m1.sh > "$OUT/ncu_m256_summary.txt" 2>&1
cat "$OUT/ncu_m256_summary.txt"
SHAPES=4096x6144,4096x4096,4096x28672,14336x4096
ARGS=(--ms 1 --schemes uniform,lut --shapes $SHAPES)
VARIANTS=("base" "st3 ANYPREC_PT_STAGES=3" "st2 ANYPREC_PT_STAGES=2" "w2 ANYPREC_PT_WARPS=2"
          "w8 ANYPREC_PT_WARPS=8" "pt0 ANYPREC_DECODE_PT=0" "pt2 ANYPREC_DECODE_PT=2"
          "lp0 ANYPREC_LUT_PIPE=0" "lp2 ANYPREC_LUT_PIPE=2"
          "cand ANYPREC_LUT_PIPE_BITS=0x10 ANYPREC_PT_STAGES3_BITS=0x4")
ab_switch_passes "${VARIANTS[@]}" -- "${ARGS[@]}"
