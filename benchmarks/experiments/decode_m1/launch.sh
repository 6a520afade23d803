#!/usr/bin/env bash
# Decode launch rule (device, repo root, after the build): warps per block by the default rule
# ("rule"), by the wave model everywhere ("wave", ANYPREC_DECODE_WAVE=2) and forced to 3 / 4
# warps ("w3", "w4", ANYPREC_DECODE_WARPS), M = 1..16, each variant in its own process, twice in
# alternation. Usage: OUT=dir bash benchmarks/experiments/decode_m1/launch.sh
set -uo pipefail
OUT=${OUT:-device_out}
mkdir -p "$OUT"
export PYTHONPATH=$PWD${PYTHONPATH:+:$PYTHONPATH}
BITS=${BITS:-3,4,8}
MS=${MS:-1,2,4,8,16}
for i in 1 2; do
  for v in rule wave w3 w4; do
    case $v in
      rule) e=(ANYPREC_DECODE_WAVE=1) ;;
      wave) e=(ANYPREC_DECODE_WAVE=2) ;;
      w3) e=(ANYPREC_DECODE_WARPS=3) ;;
      w4) e=(ANYPREC_DECODE_WARPS=4) ;;
    esac
    env "${e[@]}" timeout 200 python3 scripts/bench_kernels.py --out "$OUT/tmp_$v$i" --ms "$MS" \
      --bits "$BITS" > "$OUT/${v}$i.log" 2>&1 || { echo "$v$i failed"; tail -5 "$OUT/${v}$i.log"; }
    cp "$OUT/tmp_$v$i"/*.json "$OUT/${v}$i.json" && rm -rf "$OUT/tmp_$v$i" "$OUT/${v}$i.log"
  done
done
python3 benchmarks/experiments/decode_m1/table.py "$OUT" rule1 wave1 w31 w41 rule2 wave2 w32 w42 \
  | tee "$OUT/launch_table.txt"
