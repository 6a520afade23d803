#!/usr/bin/env bash
# LUT at b <= 4, per-lane tables (device, repository root): builds the default (per-lane tables
# since session 9) and a copy with -DANYPREC_LUT_LANES=0 (the shared 16-row table) in /tmp, runs
# tests/gpu and a compute-sanitizer memcheck subset on the default build, then both builds at
# M = 1, 4, 16, b = 2..4, twice in alternation (uniform rows: drift control).
# Usage: OUT=dir bash benchmarks/experiments/lut_lanes/run.sh
set -uo pipefail
OUT=${OUT:-device_out}
mkdir -p "$OUT"
R=$PWD
bash benchmarks/experiments/build_pair.sh "$OUT" shared "-DANYPREC_LUT_LANES=0"
(PYTHONPATH=$R timeout 300 python3 -m pytest -q tests/gpu 2>&1 \
  | grep -E "FAILED|passed|failed|rror" | head -10)
(PYTHONPATH=$R timeout 300 compute-sanitizer --tool memcheck python3 -m \
  pytest -q tests/gpu/test_cuda_kernels.py -k "m1_every_fold or m1_long_k or (all_m_odd_shape and lut)" 2>&1 \
  | grep -E "ERROR SUMMARY|passed|failed" | tail -3)
for i in 1 2; do
  for v in shared lanes; do
    d=$R; [ $v = shared ] && d=/tmp/shared
    (cd "$d" && PYTHONPATH="$d" timeout 100 python3 scripts/bench_kernels.py --out "/tmp/ll_$v$i" \
      --ms 1,4,16 --bits 2,3,4 > "$OUT/$v$i.log" 2>&1) || tail -5 "$OUT/$v$i.log"
    cp /tmp/ll_$v$i/*.json "$OUT/$v$i.json"
  done
done
python3 benchmarks/experiments/decode_m1/table.py "$OUT" shared1 lanes1 shared2 lanes2 \
  | tee "$OUT/table.txt"
