#!/usr/bin/env bash
# Session 28, call 4 (device, repository root; ~3 min): the decode -> prefill crossover for the
# widths calls 1-2 did not time (b = 2, 5, 6, 7, both schemes): the op's own prefill plan (timed
# last) against the decode kernel at M = 17..32 on the four Llama-3-8B weights. OUT/c4.tgz.
# Usage: OUT=$OUT bash benchmarks/experiments/prefill_tok64/call4.sh
set -uo pipefail
OUT=${OUT:-device_out}
mkdir -p "$OUT"
source benchmarks/experiments/ab_lib.sh
R=/tmp/c4 && rm -rf $R && mkdir -p $R
OUT=$R ab_build
s=$(date +%s)
PYTHONPATH=$PWD timeout 200 python3 benchmarks/experiments/prefill_wgmma/bench.py --auto-last \
  --out "$R/cross" --bits 2,5,6,7 --ms 17,21,25,29,32 --decode-max-m 32 > "$R/cross.txt" 2>&1
echo "bench rc=$? in $(( $(date +%s) - s )) s"
tar czf "$OUT/c4.tgz" -C $R .
