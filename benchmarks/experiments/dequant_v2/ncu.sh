#!/usr/bin/env bash
# ncu of the dequantize kernel (what the dense path runs before cuBLAS): uniform b = 4, 8 and
# LUT b = 4, 8 on (4096, 28672), LUT b = 8 on (4096, 6144). The H200 record's dense timings put
# it at ~4 TB/s moved for uniform and LUT b = 4 on (4096, 28672) but ~2.4 TB/s for LUT b = 8,
# and two shared-memory table variants (sessions 20, 25) did not move LUT b = 8: this asks what
# does hold it (memory, issue, stalls, occupancy). Raw: OUT/ncu_dequant_raw.txt; stdout: the
# summary lines. Device, repository root; builds the extension if it is missing.
# Usage: OUT=dir bash benchmarks/experiments/dequant_v2/ncu.sh
source benchmarks/experiments/ab_lib.sh  # (set -uo pipefail, ncu_init)
ncu_init ncu_dequant_raw.txt
ls vllm_anyprec/_C*.so > /dev/null 2>&1 || ab_build
run() {  # scheme bits K N
  echo "=== $1 b=$2 ($3, $4) ${ENVS:-}" >> "$RAW"
  env ${ENVS:-} PYTHONPATH="$PWD" timeout 90 ncu --clock-control none -k regex:dequant \
    --launch-skip 2 --launch-count 1 --section SpeedOfLight --section MemoryWorkloadAnalysis \
    --section Occupancy --section LaunchStats --section SchedulerStats --section WarpStateStats \
    --section SourceCounters \
    python3 benchmarks/experiments/dequant_v2/bench.py --profile "$@" >> "$RAW" 2>&1 \
    || echo "(ncu failed or timed out: $*)" >> "$RAW"
}
run uniform 4 4096 28672
run uniform 8 4096 28672
run lut 4 4096 28672
run lut 8 4096 28672
run lut 8 4096 6144
grep -E "^===|Duration|DRAM Throughput|Memory Throughput|L1/TEX Hit|L2 Hit|Mem Busy|Max Bandwidth|Issue Slots Busy|Executed Ipc A|Eligible Warps|Active Warps Per|Achieved Occupancy|Theoretical Occupancy|Registers Per|Block Limit|Warp Cycles Per Issued|Stall|failed" "$RAW" \
  | sed -E 's/\s+/ /g' | cut -c1-150 | head -150
