#!/usr/bin/env bash
# LUT tables in registers for b <= 3 (ANYPREC_LUT_REGS=1, the tree) against the per-lane shared
# tables (a copy built with -DANYPREC_LUT_REGS=0), LUT b = 2, 3, 4 at M = 1, 4, 16 on the four
# Llama-3-8B weights (device, repository root). Why: the shared tables cost 7 integer ops per A
# register, two of them shared loads; the byte-permute lookups 3.75 and no LDS (SASS chunk loop
# of the M = 1 LUT kernel, fp16, b = 3: 607 -> 366 instructions). b = 4 is a control now: its
# register form ran in session 15's run of this script and was removed (README.md).
# Leaves the tree built (later scripts of the same call can skip their build).
# Usage: OUT=dir bash benchmarks/experiments/lut_regs/run.sh
set -uo pipefail
source benchmarks/experiments/ab_lib.sh
ab_init lut_regs
rm -f vllm_anyprec/_C*.so
bash benchmarks/experiments/build_pair.sh "$OUT" shared "-DANYPREC_LUT_REGS=0"
ls vllm_anyprec/_C*.so > /dev/null || { tail -30 "$OUT/build.log"; exit 1; }
A=(--ms 1,4,16 --schemes lut --bits 2,3,4)
ab_bench regs . -- "${A[@]}"
ab_bench shared /tmp/shared -- "${A[@]}"
ab_report regs shared
