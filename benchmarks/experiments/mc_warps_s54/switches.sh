#!/usr/bin/env bash
# Session 54 (README.md here): MC (the capped uniform kernel at M = 9..16, b = 3, 4) with more
# warps per block. Session 53's ncu of uniform b = 4 at M = 16 on (4096, 28672) found MC
# latency-bound: 1-warp blocks (its wave plan), 1792 of them, 13.6 warps per SM, 0.37 eligible
# warps per scheduler, long scoreboard the top stall, DRAM 50% (lut_rules_s53/runs_s54/). Session
# 52 timed the uncapped kernel at 4 and 8 warps (level / slower), never MC itself above 1 warp.
# One set, two alternating passes on one build (the tree), run-time switches only: MC with 1, 2
# and 4 warps per block (ANYPREC_MT2_CAP=2 ANYPREC_DECODE_WARPS=N) against the rule, uniform
# b = 3, 4, M = 9, 12, 16, every Llama-3-8B weight. Then where x is served from: the ncu with
# the L1 / L2 traffic (profile_m1.sh MEM=1) of cuBLAS fp16, uniform b = 4 and LUT b = 4 at M = 16
# and uniform b = 4 at M = 4 on (4096, 28672). At M = 16 every 16-row n-tile reads all of x
# (16 x 4096 fp16, 128 KB): 1792 n-tiles read 235 MB of x against 59 MB of b = 4 weights,
# which L1 or L2 must serve. ~2.5 min on a built tree.
# OUT/mc_warps.tgz: gpu.txt, table_mc.txt, ratios_mc.txt (rule time / switch time: > 1, the
# switch is faster); OUT/runs.tgz; OUT/ncu_mem.tgz (ncu_mem_m16_raw.txt, ncu_mem_m4_raw.txt and
# their summaries).
# Usage: OUT=$OUT bash benchmarks/experiments/mc_warps_s54/switches.sh
set -uo pipefail
source benchmarks/experiments/ab_lib.sh
ab_start mc_warps
ls vllm_anyprec/_C*.so > /dev/null 2>&1 || ab_build

AB_SET=mc ab_switch_passes "mcrule" "mc1 ANYPREC_MT2_CAP=2 ANYPREC_DECODE_WARPS=1" \
  "mc2 ANYPREC_MT2_CAP=2 ANYPREC_DECODE_WARPS=2" "mc4 ANYPREC_MT2_CAP=2 ANYPREC_DECODE_WARPS=4" \
  -- --schemes uniform --bits 3,4 --ms 9,12,16
echo "mc switches done in $(( $(date +%s) - AB_START )) s"
MEM=1 ncu_op_cells ncu_mem_m16 16 "4096 28672" "fp16 16|uniform 4|lut 4"
MEM=1 ncu_op_cells ncu_mem_m4 4 "4096 28672" "uniform 4"
# (one file for the four: a call brings back at most 8)
(cd "$OUT" && tar czf ncu_mem.tgz ncu_mem_m* && rm -f ncu_mem_m*)
