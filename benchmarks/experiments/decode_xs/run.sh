#!/usr/bin/env bash
# b >= 7 at M = 1: XS (the default there since the H100's session-4 measurement) against the
# other M = 1 kernels on the same build, switched at run time: the M1 ring (ANYPREC_DECODE_XS=0),
# the plain kernel that M = 2 runs (and SUM_MMA=0), PT with 2 and 3 stages, stream-K. Why: the
# H200 record has b = 7, 8 faster at M = 2 than at M = 1 on every Llama weight ((14336, 4096)
# b = 8: 16.75 vs 19.81 us). Then the same variants on the 16-bit metadata build (/tmp/m16,
# made by run_flag.sh) where it exists, and the switch tests for XS off.
# Usage (device, repository root): OUT=dir [XS_M16=/tmp/m16] [XS_BITS=7,8] \
#   bash benchmarks/experiments/decode_xs/run.sh
set -uo pipefail
source benchmarks/experiments/ab_lib.sh
ab_resume decode_xs
rm -rf "$RUNS" && mkdir -p "$RUNS"
ls vllm_anyprec/_C*.so > /dev/null 2>&1 || ab_build
ARGS=(--ms 1 --schemes uniform --bits ${XS_BITS:-5,6,7,8}
      --shapes 4096x6144,4096x4096,4096x28672,14336x4096,4096x14336)
TAGS=()
for tree in . ${XS_M16:-}; do
  p=$([ "$tree" = . ] && echo "" || echo m16_)
  ab_bench ${p}xs "$tree" ANYPREC_DECODE_XS=1 -- "${ARGS[@]}"
  ab_bench ${p}ring "$tree" ANYPREC_DECODE_XS=0 ANYPREC_DECODE_PT=0 -- "${ARGS[@]}"
  ab_bench ${p}plain "$tree" ANYPREC_DECODE_XS=0 ANYPREC_DECODE_SUM_MMA=0 -- "${ARGS[@]}"
  ab_bench ${p}pt2 "$tree" ANYPREC_DECODE_XS=0 ANYPREC_DECODE_PT=2 ANYPREC_PT_STAGES=2 \
    ANYPREC_PT_DEBUG=1 -- "${ARGS[@]}"
  ab_bench ${p}pt3 "$tree" ANYPREC_DECODE_XS=0 ANYPREC_DECODE_PT=2 ANYPREC_PT_STAGES=3 \
    ANYPREC_PT_DEBUG=1 -- "${ARGS[@]}"
  ab_bench ${p}sk "$tree" ANYPREC_DECODE_XS=1 ANYPREC_DECODE_SK=2 ANYPREC_SK_OVER_XS=1 -- "${ARGS[@]}"
  TAGS+=(${p}xs ${p}ring ${p}plain ${p}pt2 ${p}pt3 ${p}sk)
done
ab_bench xs2 . ANYPREC_DECODE_XS=1 -- "${ARGS[@]}"
TAGS+=(xs2)
AB_PT_LINES=40 ab_report "${TAGS[@]}"
