#!/usr/bin/env bash
# Session 54 (README.md here): the two LUT launch rules session 54 changed on H100 data
# (../lut_rules_s53/README.md), asked of the H200, plus session 52's uniform switches there.
#   1. pairs: the pair tables never / always (ANYPREC_LUT_PAIR=0 / 2) against the rule (M = 9..16
#      bound now 3 n-tiles per SM), LUT b = 4, M = 1, 4, 9, 12, 16, the Llama-3-8B weights and
#      (4096, 8192 / 10240 / 12288 / 14336);
#   2. b8: 4 warps per block (ANYPREC_DECODE_WARPS=4, the old rule at M >= 2) against the rule
#      (8 at b = 8 for every M), LUT b = 7, 8, M = 1..16, (4096, 28672);
#   3. xb: XB by its rule (on at b = 6 alone since f71783f, ../xb6_s54/) against off, uniform
#      b = 5..7, M = 8..16, (4096, 28672) and (8192, 28672);
#   4. ../decode_switches_s52/switches.sh (X8 and MC re-timed on the H100 in session 52).
# Two alternating passes each, one build (the tree). ~8 min with the build.
# OUT/h200_rules.tgz (table_S.txt, ratios_S.txt, pair_rule.txt), OUT/runs_rules.tgz,
# OUT/decode_switches.tgz, OUT/runs.tgz (set 4's runs).
# Usage: OUT=$OUT bash benchmarks/experiments/h200_rules_s54/switches.sh
set -uo pipefail
source benchmarks/experiments/ab_lib.sh
ab_start h200_rules
ls vllm_anyprec/_C*.so > /dev/null 2>&1 || ab_build

AB_SET=pairs ab_switch_passes "pairrule" "pair0 ANYPREC_LUT_PAIR=0" "pair2 ANYPREC_LUT_PAIR=2" \
  -- --schemes lut --bits 4 --ms 1,4,9,12,16 \
  --shapes 4096x6144,4096x4096,4096x28672,14336x4096,4096x8192,4096x10240,4096x12288,4096x14336
python3 benchmarks/experiments/h200_record_s36/pair_rule.py "$RUNS" pair01,pair02 pair21,pair22 \
  pairrule1,pairrule2 > "$R/pair_rule.txt" 2>&1
tail -12 "$R/pair_rule.txt"
AB_SET=b8 ab_switch_passes "b8rule" "w4 ANYPREC_DECODE_WARPS=4" \
  -- --schemes lut --bits 7,8 --ms 1,2,4,8,9,12,16 --shapes 4096x28672
AB_SET=xb ab_switch_passes "xbrule" "xboff ANYPREC_DECODE_XB=0" -- --schemes uniform \
  --bits 5,6,7 --ms 8,9,12,16 --shapes 4096x28672,8192x28672
mv "$OUT/runs.tgz" "$OUT/runs_rules.tgz"
echo "rules done in $(( $(date +%s) - AB_START )) s"
bash benchmarks/experiments/decode_switches_s52/switches.sh
