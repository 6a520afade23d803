#!/usr/bin/env bash
# ncu of the warp-specialised prefill kernel: uniform and LUT b = 4, (4096, 4096), M = 4096,
# 128-token blocks (full waves). Sections as prefill_ilv/ncu.sh. Raw: OUT/ncu_ws_raw.txt.
# Device; run in a tree built with -DANYPREC_PREFILL_WS.
# Usage: OUT=dir bash benchmarks/experiments/prefill_ws/ncu.sh
source benchmarks/experiments/ab_lib.sh  # (set -uo pipefail, ncu_init)
ncu_init ncu_ws_raw.txt
SECTIONS=(--section SpeedOfLight --section ComputeWorkloadAnalysis --section SchedulerStats
          --section WarpStateStats --section SourceCounters)
for scheme in uniform lut; do
  ncu_prefill "WS $scheme b=4 128x1 (4096, 4096) M=4096" "$scheme" 4 4096 4096 4096 128 1 \
    -- "${SECTIONS[@]}"
done
grep -E "^===|Duration|SM Frequency|Compute \(SM\) Throughput|Memory Throughput|Issue Slots Busy|Executed Ipc A|Eligible Warps|Active Warps Per|Warp Cycles Per Issued|Stall|failed" "$RAW" \
  | sed -E 's/\s+/ /g' | cut -c1-150 | head -80
