#!/usr/bin/env bash
# ncu of the prefill kernel with and without its decode (session 32, after run.sh): the tree and
# the noload build of run.sh (-DANYPREC_EXPERIMENT_NO_DQ -DANYPREC_EXPERIMENT_NO_W: no decode,
# no weight loads; timing only, wrong results), built in parallel, then the prefill sections and
# every stall reason of the same launches in each: uniform b = 4 and LUT b = 8 on (4096, 4096)
# at M = 256 on the op's grid there (128 x 2, a cluster pair), uniform b = 4 at M = 1024 on
# 256 x 1, and the tensor / shared pipes' activity. How busy the tensor pipe is with the decode and without it.
# Device, repository root, ~5 min. Everything in OUT/sol_ncu.tgz.
# Usage: OUT=$OUT bash benchmarks/experiments/prefill_sol/ncu.sh
source benchmarks/experiments/ab_lib.sh  # (set -uo pipefail)
ab_rundir sol_ncu
ab_build_pair noload "-DANYPREC_EXPERIMENT_NO_DQ -DANYPREC_EXPERIMENT_NO_W"
CELLS=("u4 128x2 M=256|uniform 4 4096 4096 256 128 2"
       "l8 128x2 M=256|lut 8 4096 4096 256 128 2"
       "u4 256x1 M=1024|uniform 4 4096 4096 1024 256 1")
ncu_prefill_pair noload "${CELLS[@]}"
# The pipe metrics in a pass of their own (a name ncu does not know fails only this pass).
for tree in . /tmp/noload; do
  name=tree
  [ "$tree" = . ] || name=noload
  for cell in "${CELLS[@]}"; do
    read -ra args <<< "${cell#*|}"
    (cd "$tree" && RAW=$R/pipes_$name.txt ncu_prefill "${cell%%|*}" "${args[@]}" -- --metrics \
      sm__pipe_tensor_cycles_active.avg.pct_of_peak_sustained_active,sm__pipe_shared_cycles_active.avg.pct_of_peak_sustained_active,smsp__inst_executed.sum)
  done
  grep -E "^===|pipe_|inst_executed" "$R/pipes_$name.txt" | sed -E 's/\s+/ /g'
  ab_pack
done
