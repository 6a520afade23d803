#!/usr/bin/env bash
# Decode kernel at M = 1 (device, repo root): the sum of x by one mma per chunk ("sum", the M1
# kernels) against the all-ones mma per 16 k ("base", ANYPREC_DECODE_SUM_MMA=0). One build; the
# variants are picked at run time, each in its own process, twice in alternation (drift check).
# (The recorded run also had "cap", ANYPREC_DECODE_M1_CAP=1, a run-time switch of that build for
# the 96-register cap, which is now the b <= 4 default: "sum" today is that run's "cap".)
# Usage: OUT=dir bash benchmarks/experiments/decode_m1/run.sh  (after the build)
set -uo pipefail
OUT=${OUT:-device_out}
mkdir -p "$OUT"
export PYTHONPATH=$PWD${PYTHONPATH:+:$PYTHONPATH}
BITS=${BITS:-2,3,4,5,6,7,8}
for i in 1 2; do
  for v in base sum; do
    case $v in
      base) e=(ANYPREC_DECODE_SUM_MMA=0) ;;
      sum) e=(ANYPREC_DECODE_SUM_MMA=1) ;;
    esac
    env "${e[@]}" timeout 200 python3 scripts/bench_kernels.py --out "$OUT/tmp_$v$i" --ms 1 \
      --bits "$BITS" > "$OUT/${v}$i.log" 2>&1 || { echo "$v$i failed"; tail -5 "$OUT/${v}$i.log"; }
    cp "$OUT/tmp_$v$i"/*.json "$OUT/${v}$i.json" && rm -rf "$OUT/tmp_$v$i"
  done
done
python3 benchmarks/experiments/decode_m1/table.py "$OUT" base1 sum1 base2 sum2 | tee "$OUT/table.txt"
