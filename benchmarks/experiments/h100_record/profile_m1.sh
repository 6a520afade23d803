#!/usr/bin/env bash
# ncu summary of the M = 1 configurations behind the issue's targets (device, repository root,
# extension built): per configuration the kernel's duration, achieved DRAM read bandwidth and %
# of peak, issue rate, active / eligible warps and the stall reasons (cycles per issued
# instruction), for ours (uniform b = 2, 3, 4, 8; LUT b = 4, 8) and cuBLAS fp16 on the two
# weights of the targets. Raw ncu output: OUT/ncu_m1_raw.txt; summary: stdout (summarize_ncu.py).
# CFGS ("scheme bits" joined by |) and KNS ("K N" joined by |) pick other configurations, M
# another activation row count (default 1; from 17 on the Hopper prefill kernel runs, and ncu
# takes it, not its permute pass).
# PIPES=1 adds each pipe's issued instructions as % of its peak (the ALU pipe: shifts, logic,
# compares; fma / fmaheavy: IMAD and fp32; see ../sass/pipes.py). MEM=1 adds the L1 and L2
# traffic (bytes per second, hit rates, % of peak; in the raw file only: where x, read by every
# n-tile, is served from). RAW_NAME: another raw file name in OUT.
# Usage: OUT=dir [CFGS="uniform 5|uniform 4"] [KNS="4096 28672"] [M=16] [PIPES=1] [MEM=1] \
#   bash benchmarks/experiments/h100_record/profile_m1.sh
source benchmarks/experiments/ab_lib.sh  # (set -uo pipefail, ncu_init)
ncu_init "${RAW_NAME:-ncu_m1_raw.txt}"
METRICS="gpu__time_duration.sum,smsp__inst_executed.sum,dram__bytes_read.sum.per_second,dram__throughput.avg.pct_of_peak_sustained_elapsed,smsp__issue_active.avg.per_cycle_active,smsp__warps_active.avg.per_cycle_active,smsp__warps_eligible.avg.per_cycle_active,launch__registers_per_thread,launch__block_size,launch__grid_size,regex:smsp__average_warps_issue_stalled_.*_per_issue_active\.ratio"
[ "${PIPES:-0}" = 1 ] && METRICS="$METRICS,regex:sm__inst_executed_pipe_(alu|fma|fmaheavy|fmalite|lsu|uniform|tensor_op_hmma)\.avg\.pct_of_peak_sustained_active"
[ "${MEM:-0}" = 1 ] && METRICS="$METRICS,lts__t_bytes.sum.per_second,lts__t_sector_hit_rate.pct,lts__throughput.avg.pct_of_peak_sustained_elapsed,l1tex__t_bytes.sum.per_second,l1tex__t_sector_hit_rate.pct,l1tex__m_xbar2l1tex_read_bytes.sum.per_second,l1tex__throughput.avg.pct_of_peak_sustained_active"
IFS='|' read -ra KNL <<< "${KNS:-4096 28672|14336 4096}"
IFS='|' read -ra CFGL <<< "${CFGS:-fp16 16|uniform 2|uniform 3|uniform 4|uniform 8|lut 4|lut 8}"
MROWS=${M:-1}
for kn in "${KNL[@]}"; do
  for cfg in "${CFGL[@]}"; do
    set -- $cfg
    KREGEX="regex:fused_gemm|prefill_kernel|dequant"
    [ "$1" = fp16 ] && KREGEX="regex:gemv|gemm|xmma|cutlass|nvjet"
    echo "=== $1 $2 $kn $MROWS" >> "$RAW"
    timeout 40 ncu --clock-control none -k "$KREGEX" --launch-skip 2 --launch-count 1 \
      --metrics "$METRICS" python3 scripts/profile_kernel.py $1 $2 $kn $MROWS >> "$RAW" 2>&1 \
      || echo "(ncu failed or timed out: $1 $2 $kn $MROWS)" >> "$RAW"
  done
done
python3 benchmarks/experiments/h100_record/summarize_ncu.py "$RAW"
