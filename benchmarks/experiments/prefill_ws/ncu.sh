#!/usr/bin/env bash
# ncu of the warp-specialised prefill kernel: uniform and LUT b = 4, (4096, 4096), M = 4096,
# 128-token blocks (full waves). Sections as prefill_ilv/ncu.sh. Raw: OUT/ncu_ws_raw.txt.
# Device; run in a tree built with -DANYPREC_PREFILL_WS.
# Usage: OUT=dir bash benchmarks/experiments/prefill_ws/ncu.sh
source benchmarks/experiments/ab_lib.sh  # (set -uo pipefail, ncu_init)
ncu_init ncu_ws_raw.txt
run() {  # scheme bits tokens
  echo "=== WS $1 b=$2 ${3}x1 (4096, 4096) M=4096" >> "$RAW"
  PYTHONPATH="$PWD" timeout 100 ncu --clock-control none -k regex:prefill_kernel --launch-skip 2 \
    --launch-count 1 --section SpeedOfLight --section ComputeWorkloadAnalysis \
    --section SchedulerStats --section WarpStateStats --section SourceCounters \
    python3 benchmarks/experiments/prefill_wgmma/profile.py "$1" "$2" 4096 4096 4096 "$3" 1 \
    >> "$RAW" 2>&1 || echo "(ncu failed or timed out: $*)" >> "$RAW"
}
run uniform 4 128
run lut 4 128
grep -E "^===|Duration|SM Frequency|Compute \(SM\) Throughput|Memory Throughput|Issue Slots Busy|Executed Ipc A|Eligible Warps|Active Warps Per|Warp Cycles Per Issued|Stall|failed" "$RAW" \
  | sed -E 's/\s+/ /g' | cut -c1-150 | head -80
