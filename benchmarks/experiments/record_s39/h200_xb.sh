#!/usr/bin/env bash
# Session 39's question for the H200 (device, repository root; a fresh machine: builds the tree):
# XB's rule (uniform b >= 7, M >= 8, wide weights) against XB off and XB from b = 8 only, as on
# the H100 in this session's call 3 (runs/next_xb/: XB off 3-6% faster at b = 7 and 8, up to
# 22% on (4096, 22016)), then the M = 256 ncu profiles on the op's own path (the prefill kernel;
# profile_kernel.py follows the crossovers since session 39). ~5 min with the start.
# OUT/next_xb.tgz, OUT/runs.tgz, OUT/next_xb.log, OUT/ncu_m256_{raw,summary}.txt.
# Usage: OUT=$OUT bash benchmarks/experiments/record_s39/h200_xb.sh
set -uo pipefail
OUT=${OUT:-device_out}
mkdir -p "$OUT"
nvidia-smi --query-gpu=name --format=csv,noheader
OUT=$OUT AB_STEPS="build bench" bash benchmarks/experiments/h200_record_s36/next_xb.sh \
  > "$OUT/next_xb.log" 2>&1
tail -n 42 "$OUT/next_xb.log"
export PYTHONPATH=$PWD${PYTHONPATH:+:$PYTHONPATH}
OUT=$OUT RAW_NAME=ncu_m256_raw.txt M=256 KNS="4096 4096" CFGS="fp16 16|lut 8|uniform 4" \
  PIPES=1 bash benchmarks/experiments/h100_record/profile_m1.sh > "$OUT/ncu_m256_summary.txt" 2>&1
cat "$OUT/ncu_m256_summary.txt"
