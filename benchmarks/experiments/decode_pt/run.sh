#!/usr/bin/env bash
# Persistent tiles at M = 1 (PT, fused_gemm_m1pt_kernel; device, repository root). Builds the
# extension if it is not in the tree, then
#   PHASE=1: the PT test switches of tests/gpu (rule, forced onto 2-3 blocks, both orders, ring
#            depth 3, 3 warps), compute-sanitizer memcheck of PT on 3 blocks, and the first
#            pass of the timings;
#   PHASE=2: the second pass (alternating order), the table.
# Timings: uniform, M = 1, every b, the weights PT's rule takes ((4096, 28672) and the TP = 2
# gate/up (4096, 14336)) and (14336, 4096) as a control (the rule leaves it alone), each variant
# in its own process: base = ANYPREC_DECODE_PT=0 (the ring kernel), pt = the rule (4 warps,
# 2 stages, strided tiles over all resident blocks), ptb balanced blocks, ptc contiguous tiles,
# pts3 three stages, ptw2 / ptw8 2 / 8 warps per block.
# Usage: OUT=dir PHASE=1|2 bash benchmarks/experiments/decode_pt/run.sh
set -uo pipefail
source benchmarks/experiments/ab_lib.sh
PHASE=${PHASE:-1}
if [ "$PHASE" = 1 ]; then ab_init decode_pt; else ab_resume decode_pt; fi
ls vllm_anyprec/_C*.so > /dev/null 2>&1 || ab_build
export PYTHONPATH=$PWD
ARGS=(--ms 1 --schemes uniform --shapes 4096x28672,4096x14336,14336x4096)
VARIANTS=(base pt ptb ptc pts3 ptw2 ptw8)
envs() {
  case $1 in
    base) echo ANYPREC_DECODE_PT=0 ;;
    pt) echo ANYPREC_DECODE_PT=1 ;;
    ptb) echo ANYPREC_DECODE_PT=1 ANYPREC_PT_BALANCE=1 ;;
    ptc) echo ANYPREC_DECODE_PT=1 ANYPREC_PT_CONTIG=1 ;;
    pts3) echo ANYPREC_DECODE_PT=1 ANYPREC_PT_STAGES=3 ;;
    ptw2) echo ANYPREC_DECODE_PT=1 ANYPREC_PT_WARPS=2 ;;
    ptw8) echo ANYPREC_DECODE_PT=1 ANYPREC_PT_WARPS=8 ;;
  esac
}
if [ "$PHASE" = 1 ]; then
  T=$(timeout 300 python3 -m pytest -q -x tests/gpu/test_cuda_kernels.py \
      -k "m1_kernel_switches and (pt1 or pt2g3 or pt2g2c)" 2>&1 | tail -15)
  echo "$T" > "$RUNS/tests.txt"
  MC=$(ANYPREC_DECODE_PT=2 ANYPREC_PT_GRID=3 timeout 150 compute-sanitizer --tool memcheck \
    python3 -m pytest -q tests/gpu/test_cuda_kernels.py -k "m1_every_fold and 128" 2>&1 \
    | grep -E "ERROR SUMMARY|passed|failed" | tail -3)
  echo "$MC" > "$RUNS/memcheck.txt"
  for v in "${VARIANTS[@]}"; do ab_bench "${v}1" . $(envs $v) -- "${ARGS[@]}"; done
  ab_finish base1 pt1 ptb1 ptc1 pts31 ptw21 ptw81
else
  for ((i = ${#VARIANTS[@]} - 1; i >= 0; i--)); do
    v=${VARIANTS[$i]}; ab_bench "${v}2" . $(envs $v) -- "${ARGS[@]}"
  done
  ab_finish base1 base2 pt1 pt2 ptb1 ptb2 ptc1 ptc2 pts31 pts32 ptw21 ptw22 ptw81 ptw82
fi
cat "$RUNS/table.txt"
echo "tests: $(tail -2 "$RUNS/tests.txt" 2>/dev/null)"
echo "memcheck: $(cat "$RUNS/memcheck.txt" 2>/dev/null)"
