#!/usr/bin/env bash
# ncu of the prefill kernel with the interleaved schedule (v12), to find what still holds a
# 128-token block's stage at ~940 cycles against 512 of tensor work: 128- and 256-token blocks,
# uniform and LUT b = 4, (4096, 4096), M = 4096 (full waves). Sections: speed of light, compute
# workload (pipe utilisation: tensor, the shared pipe of HGMMA and HFMA2), scheduler and warp
# state statistics, source counters (the top stall locations in SASS). Raw: OUT/ncu_raw.txt;
# stdout: the summary lines per configuration. Device, repository root; builds the extension
# if it is missing.
# Usage: OUT=dir bash benchmarks/experiments/prefill_ilv/ncu.sh
source benchmarks/experiments/ab_lib.sh  # (set -uo pipefail, ncu_init)
ncu_init ncu_raw.txt
ls vllm_anyprec/_C*.so > /dev/null 2>&1 || ab_build
SECTIONS=(--section SpeedOfLight --section ComputeWorkloadAnalysis --section SchedulerStats
          --section WarpStateStats --section SourceCounters)
for spec in "uniform 4 128" "uniform 4 256" "lut 4 128"; do
  read -r scheme bits tokens <<< "$spec"
  ncu_prefill "$scheme b=$bits ${tokens}x1 (4096, 4096) M=4096" "$scheme" "$bits" 4096 4096 4096 \
    "$tokens" 1 -- "${SECTIONS[@]}"
done
grep -E "^===|Duration|SM Frequency|Compute \(SM\) Throughput|Memory Throughput|Issue Slots Busy|Executed Ipc A|Eligible Warps|Active Warps Per|Warp Cycles Per Issued|Stall|failed" "$RAW" \
  | sed -E 's/\s+/ /g' | cut -c1-150 | head -120
