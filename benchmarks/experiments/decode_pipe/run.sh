#!/usr/bin/env bash
# Decode at M = 1 (device, repository root): the pipelined M1 kernel (PIPE, 2 stages: the
# default build) against the register double buffer (ANYPREC_DECODE_PIPE=0, same build) and a
# 3-stage build (a copy of the tree in /tmp, -DANYPREC_M1_STAGES=3). Each variant in its own
# process, twice in alternation (drift check). Builds the default itself.
# Usage: OUT=dir bash benchmarks/experiments/decode_pipe/run.sh
set -uo pipefail
OUT=${OUT:-device_out}
mkdir -p "$OUT"
R=$PWD
bash benchmarks/experiments/build_pair.sh "$OUT" st3 "-DANYPREC_M1_STAGES=3"
BITS=${BITS:-2,3,4,5,6,8}
for i in 1 2; do
  for v in nopipe st2 st3; do
    d=$R; e=ANYPREC_DECODE_PIPE=1
    case $v in nopipe) e=ANYPREC_DECODE_PIPE=0 ;; st3) d=/tmp/st3 ;; esac
    (cd "$d" && env $e PYTHONPATH="$d" timeout 100 python3 scripts/bench_kernels.py \
      --out "/tmp/pipe_$v$i" --ms 1 --bits "$BITS" > "$OUT/$v$i.log" 2>&1) || tail -5 "$OUT/$v$i.log"
    cp /tmp/pipe_$v$i/*.json "$OUT/$v$i.json"
  done
done
python3 benchmarks/experiments/decode_m1/table.py "$OUT" nopipe1 st21 st31 nopipe2 st22 st32 \
  | grep -v " lut " | tee "$OUT/table_pipe.txt"
