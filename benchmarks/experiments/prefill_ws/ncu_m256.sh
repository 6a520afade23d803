#!/usr/bin/env bash
# ncu of the worst M >= 256 cell of the record (LUT b = 8, (4096, 4096), M = 256) and its uniform
# b = 4 neighbour, each on the grid the op's plan picks there (128 x 2: a cluster of 2 splits):
# speed of light, pipes, scheduler, warp states, memory, and the stall reasons per issued
# instruction (every smsp__average_warps_issue_stalled_* metric). Raw: OUT/ncu_m256_raw.txt.
# Device, repository root; builds the extension if it is missing. (The weights stay in L2
# between calls here: this looks at the SMs, not at DRAM.)
# Usage: OUT=dir bash benchmarks/experiments/prefill_ws/ncu_m256.sh
source benchmarks/experiments/ab_lib.sh  # (set -uo pipefail, ncu_init, ab_build)
ncu_init ncu_m256_raw.txt
ls vllm_anyprec/_C*.so > /dev/null 2>&1 || ab_build
run() {  # scheme bits tokens split
  echo "=== $1 b=$2 ${3}x$4 (4096, 4096) M=256" >> "$RAW"
  PYTHONPATH="$PWD" timeout 120 ncu --clock-control none -k regex:prefill_kernel --launch-skip 2 \
    --launch-count 1 --section SpeedOfLight --section ComputeWorkloadAnalysis \
    --section SchedulerStats --section WarpStateStats --section MemoryWorkloadAnalysis \
    --metrics "regex:smsp__average_warps_issue_stalled_.*_per_issue_active\.ratio" \
    python3 benchmarks/experiments/prefill_wgmma/profile.py "$1" "$2" 4096 4096 256 "$3" "$4" \
    >> "$RAW" 2>&1 || echo "(ncu failed or timed out: $*)" >> "$RAW"
}
run lut 8 128 2
run uniform 4 128 2
grep -E "^===|Duration|SM Frequency|Compute \(SM\) Throughput|Memory Throughput|DRAM Throughput|Issue Slots Busy|Eligible Warps|Active Warps Per|Warp Cycles Per Issued|highest-utilized|failed" "$RAW" \
  | sed -E 's/\s+/ /g' | cut -c1-160
echo "stall reasons (cycles per issued instruction, > 0.2):"
awk '/^===/ {print} /issue_stalled_.*per_issue_active.ratio/ {if ($NF + 0 > 0.2) print "  " $1, $NF}' "$RAW"
