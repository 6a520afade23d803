#!/usr/bin/env bash
# LUT at b >= 5, per-lane tables (ANYPREC_LUT_LANES_WIDE, off by default; device, repository
# root): builds the default (the shared 16-row table at b >= 5) and a copy with
# -DANYPREC_LUT_LANES_WIDE=1 in /tmp, runs tests/gpu and a compute-sanitizer memcheck subset on
# the copy, then both builds at M = 1, 4, 16, b = 5..8, twice in alternation (uniform rows: drift
# control). Results: OUT/runs.tgz (the JSONs); the table and the test lines last on stdout.
# Usage: OUT=dir bash benchmarks/experiments/lut_lanes/run_wide.sh
set -uo pipefail
OUT=${OUT:-device_out}
mkdir -p "$OUT"
R=$PWD
RUNS=/tmp/lw_runs
rm -rf $RUNS && mkdir -p $RUNS
bash benchmarks/experiments/build_pair.sh "$OUT" wide "-DANYPREC_LUT_LANES_WIDE=1"
TESTS=$(cd /tmp/wide && PYTHONPATH=/tmp/wide timeout 160 python3 -m pytest -q -x tests/gpu 2>&1 \
  | grep -E "FAILED|passed|failed|rror" | head -10)
echo "tests/gpu (wide): $TESTS"
MC=$(cd /tmp/wide && PYTHONPATH=/tmp/wide timeout 170 compute-sanitizer --tool memcheck python3 -m \
  pytest -q tests/gpu/test_cuda_kernels.py -k "all_m_odd_shape and lut" 2>&1 \
  | grep -E "ERROR SUMMARY|passed|failed" | tail -3)
echo "memcheck (wide): $MC"
for i in 1 2; do
  for v in shared wide; do
    d=$R; [ $v = wide ] && d=/tmp/wide
    (cd "$d" && PYTHONPATH="$d" timeout 60 python3 scripts/bench_kernels.py --out "/tmp/lw_$v$i" \
      --ms 1,4,16 --bits 5,6,7,8 > "$RUNS/$v$i.log" 2>&1) || tail -3 "$RUNS/$v$i.log"
    cp /tmp/lw_$v$i/*.json "$RUNS/$v$i.json"
  done
done
python3 benchmarks/experiments/decode_m1/table.py $RUNS shared1 wide1 shared2 wide2 > $RUNS/table.txt
tar czf "$OUT/runs.tgz" -C $RUNS .
cat $RUNS/table.txt
echo "tests/gpu (wide): $TESTS"
echo "memcheck (wide): $MC"
