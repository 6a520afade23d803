#!/usr/bin/env bash
# Persistent tiles at M = 1: a sweep of warps per block (2, 4, 8), ring depth (2, 3) and block
# count (all resident blocks "r" or balanced "b") against the ring kernel ("base"), uniform
# b = 2..6, on the weights with more n-tiles than resident blocks: (4096, 28672), the TP = 2
# gate/up (4096, 14336) and (8192, 28672). Each variant in its own process; the logs carry
# the PT launches (ANYPREC_PT_DEBUG=1: warps, resident blocks per SM, blocks, tiles per block).
# Usage (device, repository root): OUT=dir bash benchmarks/experiments/decode_pt/sweep.sh
set -uo pipefail
source benchmarks/experiments/ab_lib.sh
ab_init decode_pt_sweep
ls vllm_anyprec/_C*.so > /dev/null 2>&1 || ab_build
export PYTHONPATH=$PWD
ARGS=(--ms 1 --schemes uniform --bits 2,3,4,5,6 --shapes 4096x28672,4096x14336,8192x28672)
TAGS=(base)
ab_bench base . ANYPREC_DECODE_PT=0 -- "${ARGS[@]}"
for w in 2 4 8; do
  for st in 2 3; do
    for bal in 0 1; do
      tag=w${w}s${st}$([ $bal = 1 ] && echo b || echo r)
      ab_bench $tag . ANYPREC_DECODE_PT=2 ANYPREC_PT_DEBUG=1 ANYPREC_PT_WARPS=$w \
        ANYPREC_PT_STAGES=$st ANYPREC_PT_BALANCE=$bal -- "${ARGS[@]}"
      TAGS+=($tag)
    done
  done
done
ab_bench base2 . ANYPREC_DECODE_PT=0 -- "${ARGS[@]}"
TAGS+=(base2)
AB_PT_LINES=120 ab_report "${TAGS[@]}"
