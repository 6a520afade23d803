#!/usr/bin/env bash
# Programmatic dependent launch of the decode kernels (ANYPREC_PDL, run time; device, repository
# root): builds the tree, runs tests/gpu with ANYPREC_PDL=1, then times M = 1, 4, 16, b = 2..8,
# both schemes, with ANYPREC_PDL=0 and 1 (each in its own process), twice in alternation.
# Results: OUT/runs.tgz (JSONs + logs), the table and the test line last on stdout.
# Usage: OUT=dir bash benchmarks/experiments/decode_pdl/run.sh
set -uo pipefail
OUT=${OUT:-device_out}
mkdir -p "$OUT"
export PYTHONPATH=$PWD
RUNS=/tmp/pdl_runs
rm -rf $RUNS && mkdir -p $RUNS
ANYPREC_BUILD_CUDA=1 ANYPREC_CUDA_ARCHS=90a MAX_JOBS=16 timeout 200 python3 setup.py build_ext \
  --inplace > "$OUT/build.log" 2>&1 || { echo "build failed"; tail -20 "$OUT/build.log"; exit 1; }
echo "built: $(date)"
TESTS=$(ANYPREC_PDL=1 timeout 150 python3 -m pytest -q tests/gpu 2>&1 | grep -E "FAILED|passed|failed|rror" | head -8)
echo "tests/gpu (ANYPREC_PDL=1): $TESTS"
for i in 1 2; do
  for v in 0 1; do
    ANYPREC_PDL=$v timeout 70 python3 scripts/bench_kernels.py --out "/tmp/pdl_$v$i" \
      --ms 1,4,16 > "$RUNS/pdl$v$i.log" 2>&1 || tail -3 "$RUNS/pdl$v$i.log"
    cp /tmp/pdl_$v$i/*.json "$RUNS/pdl$v$i.json"
    echo "ran pdl$v$i: $(date)"
  done
done
python3 benchmarks/experiments/decode_m1/table.py $RUNS pdl01 pdl11 pdl02 pdl12 > $RUNS/table.txt
tar czf "$OUT/runs.tgz" -C $RUNS .
cat $RUNS/table.txt
echo "tests/gpu (ANYPREC_PDL=1): $TESTS"
