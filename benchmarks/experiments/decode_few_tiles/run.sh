#!/usr/bin/env bash
# Weights with few n-tiles at M = 1 (device, repository root; written in session 14, not run yet).
# Why: (14336, 4096) has 256 n-tiles, so the ring kernel runs ~2 blocks of 8 warps (kMaxWarps)
# per SM with room for ~24 warps, and its 2-stage rings keep at most 2 chunks per warp in flight:
# uniform b = 4 sits at 59% of DRAM peak with long-scoreboard stalls first
# (../h200_record_s14/ncu_m1_summary.txt) and misses its target (3.19x of 3.40x).
# Variants, uniform b = 2..6 at M = 1 on the four weights whose tiles do not fill two rounds:
#  - this build: base (the rules), PT forced with 8 warps and 2 / 3 stages and 6 warps / 3
#    stages (one tile per block at most: the ring kernel with deeper rings and PT's reduction);
#  - a copy built with -DANYPREC_MAX_WARPS=16 (/tmp/w16; its M > 1 kernels get tighter register
#    caps, so M = 1 only): its own rules (the wave model may pick more warps), the ring kernel
#    forced to 12 / 16 warps, PT forced to 12 warps with 2 / 3 stages and 16 with 2.
# Usage: OUT=dir bash benchmarks/experiments/decode_few_tiles/run.sh
set -uo pipefail
source benchmarks/experiments/ab_lib.sh
ab_init few_tiles
bash benchmarks/experiments/build_pair.sh "$OUT" w16 "-DANYPREC_MAX_WARPS=16"
ARGS=(--ms 1 --schemes uniform --bits 2,3,4,5,6 --shapes 14336x4096,4096x4096,4096x6144,4096x14336)
TAGS=(base)
ab_bench base . -- "${ARGS[@]}"
for cfg in w8s2:8:2 w8s3:8:3 w6s3:6:3; do
  IFS=: read -r tag w st <<< "$cfg"
  ab_bench pt_$tag . ANYPREC_DECODE_PT=2 ANYPREC_PT_WARPS=$w ANYPREC_PT_STAGES=$st \
    ANYPREC_PT_DEBUG=1 -- "${ARGS[@]}"
  TAGS+=(pt_$tag)
done
ab_bench w16 /tmp/w16 -- "${ARGS[@]}"
TAGS+=(w16)
for w in 12 16; do
  ab_bench w16_ring$w /tmp/w16 ANYPREC_DECODE_PT=0 ANYPREC_DECODE_WARPS=$w -- "${ARGS[@]}"
  TAGS+=(w16_ring$w)
done
for cfg in w12s2:12:2 w12s3:12:3 w16s2:16:2; do
  IFS=: read -r tag w st <<< "$cfg"
  ab_bench w16_pt_$tag /tmp/w16 ANYPREC_DECODE_PT=2 ANYPREC_PT_WARPS=$w ANYPREC_PT_STAGES=$st \
    ANYPREC_PT_DEBUG=1 -- "${ARGS[@]}"
  TAGS+=(w16_pt_$tag)
done
ab_bench base2 . -- "${ARGS[@]}"
TAGS+=(base2)
ab_report "${TAGS[@]}"
