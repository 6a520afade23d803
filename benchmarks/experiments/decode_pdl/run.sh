#!/usr/bin/env bash
# Programmatic dependent launch of the decode kernels (ANYPREC_PDL, run time; device, repository
# root): builds the tree, runs tests/gpu with PDL on both schemes, then times M = 1, 4, 16, b = 2..8,
# both schemes, with PDL off (tags pdl0*) and on for both schemes (pdl1*: ANYPREC_PDL=2), each in
# its own process, twice in alternation. Results: OUT/runs.tgz (JSONs + logs), the table and the
# test line last on stdout. (runs/: session 10, when the tree also had the L2 prefetch on.)
# Usage: OUT=dir bash benchmarks/experiments/decode_pdl/run.sh
source benchmarks/experiments/ab_lib.sh
ab_init pdl
ANYPREC_BUILD_CUDA=1 ANYPREC_CUDA_ARCHS=90a MAX_JOBS=16 timeout 200 python3 setup.py build_ext \
  --inplace > "$OUT/build.log" 2>&1 || { echo "build failed"; tail -20 "$OUT/build.log"; exit 1; }
echo "built: $(date)"
TESTS=$(ANYPREC_PDL=2 PYTHONPATH=$PWD timeout 150 python3 -m pytest -q tests/gpu 2>&1 \
  | grep -E "FAILED|passed|failed|rror" | head -8)
echo "tests/gpu (ANYPREC_PDL=2): $TESTS"
AB_TIMEOUT=70
for i in 1 2; do
  for v in 0 1; do ab_bench pdl$v$i "$PWD" ANYPREC_PDL=$((2 * v)) -- --ms 1,4,16; done
done
ab_finish pdl01 pdl11 pdl02 pdl12
cat $RUNS/table.txt
echo "tests/gpu (ANYPREC_PDL=2): $TESTS"
