#!/usr/bin/env bash
# ncu of one configuration per missed target of issue 3, on the code of the record (device,
# repository root, the tree's extension built: after the record's callB, or any build call):
# the kernel's time, DRAM bandwidth and % of peak, issue rate, active / eligible warps, top stall
# reasons and pipe use (h100_record/profile_m1.sh with PIPES=1, summarize_ncu.py), cuBLAS fp16
# beside each group:
#   m1    M = 1 on the targets' two weights: uniform b = 2..5, LUT b = 3 (the register kernel
#         since session 40), 4 (the ring), 8;
#   m16   M = 16 on (4096, 28672), the Marlin-4 target's worst cells: uniform and LUT b = 4;
#   m256  M = 256 on (4096, 4096), the M >= 256 target's worst cell (LUT b = 8) and uniform b = 4.
# The closing notes quote these (the issue asks an ncu summary per missed target). ~5 min.
# Outputs: OUT/ncu_targets_raw_{m1,m16,m256}.txt, OUT/ncu_targets_summary.txt.
# Usage: OUT=$OUT bash benchmarks/experiments/targets_ncu/run.sh
set -uo pipefail
OUT=${OUT:-device_out}
mkdir -p "$OUT"
# (profile_kernel.py imports the package from the tree: session 39's first run had no path)
export PYTHONPATH=$PWD${PYTHONPATH:+:$PYTHONPATH}
P=benchmarks/experiments/h100_record/profile_m1.sh
SUM="$OUT/ncu_targets_summary.txt"
: > "$SUM"
run() {  # NAME M KNS CFGS
  echo "== $1 (M = $2)" | tee -a "$SUM"
  OUT=$OUT RAW_NAME=ncu_targets_raw_$1.txt M=$2 KNS=$3 CFGS=$4 PIPES=1 bash "$P" 2>&1 \
    | tee -a "$SUM"
}
run m1 1 "4096 28672|14336 4096" "fp16 16|uniform 2|uniform 3|uniform 4|uniform 5|lut 3|lut 4|lut 8"
run m16 16 "4096 28672" "fp16 16|uniform 4|lut 4"
run m256 256 "4096 4096" "fp16 16|lut 8|uniform 4"
