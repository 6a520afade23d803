#!/usr/bin/env bash
# Not yet run (written in session 22 after its device time was spent). MC's launch on the
# weights its rule leaves uncapped: the capped kernel forced (ANYPREC_MT2_CAP=2) with 1, 2, 4
# and 8 warps per block (ANYPREC_DECODE_WARPS) against the rule, uniform M = 9, 12, 16,
# b = 3, 4 (fp16, bf16 at b = 4), (4096, 28672) and (4096, 6144), two passes. Question: is there
# a warp count at which the cap wins there (mc.sh: 1 warp lost at b = 3 and bf16 b = 4, won 2%
# at fp16 b = 4), i.e. is the wave model's plan or the cap the loss?
# Usage: OUT=dir bash benchmarks/experiments/decode_sumxa/mc_warps.sh
set -uo pipefail
source benchmarks/experiments/ab_lib.sh
export AB_TIMEOUT=${AB_TIMEOUT:-150}
ab_init decode_mc_warps
ls vllm_anyprec/_C*.so > /dev/null 2>&1 || ab_build
U=(--ms 9,12,16 --schemes uniform --bits 3,4 --shapes 4096x28672,4096x6144)
tags=()
for p in 1 2; do
  ab_bench "rule$p" . -- "${U[@]}"
  tags+=("rule$p")
  for w in 1 2 4 8; do
    ab_bench "mcw${w}_$p" . ANYPREC_MT2_CAP=2 ANYPREC_DECODE_WARPS=$w -- "${U[@]}"
    tags+=("mcw${w}_$p")
  done
done
ab_report "${tags[@]}" > /dev/null
cp "$RUNS/table.txt" "$OUT/table_mc_warps.txt" && cat "$OUT/table_mc_warps.txt"
echo "done at $(( $(date +%s) - AB_START )) s"
