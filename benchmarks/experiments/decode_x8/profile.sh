#!/usr/bin/env bash
# ncu of the decode kernels at M = 4 and 16 on (4096, 28672) with the L1 / L2 traffic of the
# activations: duration, DRAM read rate and % of peak, L2 sectors read for L1 (lts..srcunit_tex),
# L1 hit rate, shared-memory wavefronts, issue rate, registers, grid. Configurations: uniform b = 4
# at M = 4 with X8 on and off, uniform b = 4 and LUT b = 4 at M = 16. Raw: OUT/ncu_raw.txt;
# stdout: the metric lines per configuration. Device, repository root, extension built.
# Usage: OUT=dir bash benchmarks/experiments/decode_x8/profile.sh
source benchmarks/experiments/ab_lib.sh  # (set -uo pipefail, ncu_init)
ncu_init ncu_raw.txt
METRICS="gpu__time_duration.sum,dram__bytes_read.sum,dram__throughput.avg.pct_of_peak_sustained_elapsed,lts__t_sectors_srcunit_tex_op_read.sum,l1tex__t_sector_hit_rate.pct,l1tex__data_pipe_lsu_wavefronts_mem_shared.sum,smsp__inst_executed.sum,smsp__issue_active.avg.per_cycle_active,smsp__warps_active.avg.per_cycle_active,launch__registers_per_thread,launch__grid_size,launch__block_size"
run() {  # label env... -- scheme bits K N M
  local label=$1 envs=()
  shift
  while [ "$1" != -- ]; do envs+=("$1"); shift; done
  shift
  echo "=== $label" >> "$RAW"
  env "${envs[@]}" PYTHONPATH="$PWD" timeout 60 ncu --clock-control none -k regex:fused_gemm --launch-skip 2 \
    --launch-count 1 --metrics "$METRICS" python3 scripts/profile_kernel.py "$@" >> "$RAW" 2>&1 \
    || echo "(ncu failed or timed out: $label)" >> "$RAW"
}
run "uniform 4 M=4 x8" X=1 -- uniform 4 4096 28672 4
run "uniform 4 M=4 off" ANYPREC_DECODE_X8=0 -- uniform 4 4096 28672 4
run "uniform 4 M=16" X=1 -- uniform 4 4096 28672 16
run "lut 4 M=16" X=1 -- lut 4 4096 28672 16
grep -E "^===|fused_gemm|duration|dram__|lts__|l1tex__|inst_executed|issue_active|warps_active|registers|grid_size|block_size|failed" "$RAW" \
  | sed -E 's/\s+/ /g' | cut -c1-140
