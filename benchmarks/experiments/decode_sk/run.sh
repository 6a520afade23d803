#!/usr/bin/env bash
# Stream-K decode at M = 1 (device, repository root; the extension built in the tree): runs
# tests/gpu and a compute-sanitizer memcheck of the stream-K kernel, then times (uniform and
# LUT, M = 1, each variant in its own process, twice in alternation): sk0 ANYPREC_DECODE_SK=0
# (session 8's ring kernel), sk2 stream-K everywhere (over XS too), w2 the same with 2 warps
# per block. Results: OUT/runs.tgz (the JSONs), the table and the test lines last on stdout.
# Usage: OUT=dir bash benchmarks/experiments/decode_sk/run.sh
set -uo pipefail
OUT=${OUT:-device_out}
mkdir -p "$OUT"
export PYTHONPATH=$PWD
RUNS=/tmp/sk_runs
rm -rf $RUNS && mkdir -p $RUNS
TESTS=$(timeout 240 python3 -m pytest -q -x tests/gpu 2>&1 | grep -E "FAILED|passed|failed|rror" | head -10)
echo "tests/gpu: $TESTS"
MC=$(ANYPREC_DECODE_SK=2 ANYPREC_SK_OVER_XS=1 timeout 100 compute-sanitizer --tool memcheck \
  python3 -m pytest -q tests/gpu/test_cuda_kernels.py -k "m1_every_fold and 128" 2>&1 \
  | grep -E "ERROR SUMMARY|passed|failed" | tail -3)
echo "memcheck (stream-K everywhere): $MC"
BITS=${BITS:-2,3,4,6,8}
SK="ANYPREC_DECODE_SK=2 ANYPREC_SK_OVER_XS=1"
for i in 1 2; do
  for v in sk0 sk2 w2; do
    e="ANYPREC_DECODE_SK=0"
    case $v in sk2) e=$SK ;; w2) e="$SK ANYPREC_SK_WARPS=2" ;; esac
    env $e timeout 60 python3 scripts/bench_kernels.py --out "/tmp/sk_$v$i" --ms 1 \
      --bits "$BITS" > "$RUNS/$v$i.log" 2>&1 || tail -3 "$RUNS/$v$i.log"
    cp /tmp/sk_$v$i/*.json "$RUNS/$v$i.json"
  done
done
python3 benchmarks/experiments/decode_m1/table.py $RUNS sk01 sk21 w21 sk02 sk22 w22 > $RUNS/table.txt
tar czf "$OUT/runs.tgz" -C $RUNS .
grep -v " lut " $RUNS/table.txt
echo "tests/gpu: $TESTS"
echo "memcheck (stream-K everywhere): $MC"
