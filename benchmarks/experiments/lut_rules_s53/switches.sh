#!/usr/bin/env bash
# Session 53 (README.md here): the LUT decode launch rules re-timed on the current code. The
# H100 record on session 52's code has LUT b = 4 at M = 16 on (4096, 28672) at 38.2 us (b = 3:
# 26.9, uniform b = 4: 27.7; 0.83x Marlin-4), and the rules it runs under were measured on the
# H200 in sessions 12 (warps per block) and 36 (the pair tables), before EW / ET, LO, PULL16 and
# the register kernels' later changes (session 52 found X8's rule of that age outdated).
# Three sets, each in two alternating passes on one build (the tree), run-time switches only:
#   1. pairs: LUT b = 4, M = 1, 2, 4, 8, 9, 12, 16, every Llama-3-8B weight: the pair tables never
#      (ANYPREC_LUT_PAIR=0) and always (=2) against the rule (lut_pairs_take);
#   2. warps: LUT b = 2..8, M = 2, 4, 8, 9, 12, 16, every weight: the wave model everywhere
#      (ANYPREC_DECODE_WAVE=2) and 2 / 8 warps per block against the rules (the warp target, at
#      least 4 warps for LUT, on (4096, 28672); the wave model on the others);
#   3. lp: LUT b = 2..4 at M = 1, every weight: the LP ring never / always (ANYPREC_LUT_PIPE=0 / 2)
#      against its rule (b = 4 alone, on the weights of at least ANYPREC_LUT_PIPE_MIN_WORK).
# Then the ncu of M = 16 on (4096, 28672) (the Marlin-4 target's worst cells): cuBLAS fp16, uniform
# b = 4 (MC) and LUT b = 3, 4 (h100_record/profile_m1.sh with PIPES=1).
# Builds the tree unless it is built. ~8 min with the build. QUICK=1 (~5 min with the build, for
# a short budget): the pair set, the warps set with the wave model and 8 warps at M = 2, 8, 9, 16,
# no LP set, and the ncu of cuBLAS, uniform b = 4 and LUT b = 4. SETS (default all: "pairs warps
# lp ncu") runs only the sets it names, e.g. SETS="pairs ncu" QUICK=1 (~3 min with the build).
# OUT/lut_rules.tgz: gpu.txt, table_S.txt, ratios_S.txt for S = pairs, warps, lp (base time /
# switch time: > 1, the switch is faster); OUT/runs.tgz; OUT/ncu_m16_raw.txt, ncu_m16_summary.txt.
# Usage: OUT=$OUT bash benchmarks/experiments/lut_rules_s53/switches.sh
set -uo pipefail
source benchmarks/experiments/ab_lib.sh
ab_start lut_rules
ls vllm_anyprec/_C*.so > /dev/null 2>&1 || ab_build

SETS=" ${SETS:-pairs warps lp ncu} "
want() { [[ "$SETS" == *" $1 "* ]]; }
WARP_VARIANTS=("wave2 ANYPREC_DECODE_WAVE=2" "w2 ANYPREC_DECODE_WARPS=2"
  "w8 ANYPREC_DECODE_WARPS=8")
WARP_MS=2,4,8,9,12,16
CFGS="fp16 16|uniform 4|lut 3|lut 4"
if [ "${QUICK:-0}" = 1 ]; then
  WARP_VARIANTS=("wave2 ANYPREC_DECODE_WAVE=2" "w8 ANYPREC_DECODE_WARPS=8")
  WARP_MS=2,8,9,16
  CFGS="fp16 16|uniform 4|lut 4"
fi

if want pairs; then
  AB_SET=pairs ab_switch_passes "pairrule" "pair0 ANYPREC_LUT_PAIR=0" "pair2 ANYPREC_LUT_PAIR=2" \
    -- --schemes lut --bits 4 --ms 1,2,4,8,9,12,16
fi
if want warps; then
  AB_SET=warps ab_switch_passes "wbase" "${WARP_VARIANTS[@]}" \
    -- --schemes lut --bits 2,3,4,5,6,7,8 --ms "$WARP_MS"
fi
if want lp && [ "${QUICK:-0}" != 1 ]; then
  AB_SET=lp ab_switch_passes "lprule" "lp0 ANYPREC_LUT_PIPE=0" "lp2 ANYPREC_LUT_PIPE=2" \
    -- --schemes lut --bits 2,3,4 --ms 1
fi
echo "lut switches done in $(( $(date +%s) - AB_START )) s"
if want ncu; then  # (ab_lib's ncu_op_cells: the build again, a no-op, then profile_m1.sh)
  ncu_op_cells ncu_m16 16 "4096 28672" "$CFGS"
fi
