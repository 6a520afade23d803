#!/usr/bin/env bash
# Session 29, call 6 (device, repository root; ~3 min): where the lean kernel's long-scoreboard
# stalls sit. ncu's source page (per-SASS-instruction warp stall samples, CSV) of the lean
# kernel, uniform b = 4, (4096, 28672), M = 32, 64 x 1 x 2, and its SourceCounters section.
# Everything in OUT/c6.tgz.
# Usage: OUT=$OUT bash benchmarks/experiments/prefill_lean/call6.sh
source benchmarks/experiments/ab_lib.sh  # (set -uo pipefail)
ab_rundir c6
OUT=$R ab_build
P=(python3 benchmarks/experiments/prefill_wgmma/profile.py uniform 4 4096 28672 32 64 1 2)
NCU=(ncu --clock-control none -k regex:prefill_kernel --launch-skip 2 --launch-count 1)
PYTHONPATH=$PWD timeout 150 "${NCU[@]}" --section SourceCounters --section WarpStateStats \
  --page source --print-source sass --csv "${P[@]}" > $R/source_sass.csv 2> $R/source_sass.err
echo "source page rc=$? ($(wc -l < $R/source_sass.csv) lines)"
ab_pack
PYTHONPATH=$PWD timeout 100 "${NCU[@]}" --section SourceCounters "${P[@]}" > $R/source_counters.txt 2>&1
echo "source counters rc=$?"; grep -iE "stall|sampl|L2|long" $R/source_counters.txt | head -30
ab_pack
