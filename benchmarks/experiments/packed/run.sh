#!/usr/bin/env bash
# Packed-transposed b = 2, 3, 5, 6, 7 words (build flag ANYPREC_PACKED_T, off; device, repository
# root): builds the tree and a copy in /tmp/packed with -DANYPREC_PACKED_T=1, checks that the
# copy's extension reports the packed widths to Python, runs tests/gpu and a compute-sanitizer
# memcheck subset on it (every kernel reads the weights through decode_unit: decode, prefill,
# dequant), then times b = 2, 3, 5, 6, 7 at M = 1, 4, 16, 32, 256, both schemes, for both
# builds, twice in alternation. Results: OUT/runs.tgz, the table and the test lines last.
# PHASE=1 stops after the first timing round, PHASE=2 runs only the second (same machine, next
# call): the whole run does not fit in one 10-minute call.
# Usage: OUT=dir [PHASE=1|2] bash benchmarks/experiments/packed/run.sh
source benchmarks/experiments/ab_lib.sh
PHASE=${PHASE:-all}
AB_TIMEOUT=90
if [ "$PHASE" != 2 ]; then
  ab_init packed
  bash benchmarks/experiments/build_pair.sh "$OUT" packed "-DANYPREC_PACKED_T=1"
  echo "built: $(date)"
  cd /tmp/packed
  WIDTHS=$(PYTHONPATH=$PWD python3 -c "from vllm_anyprec import _ext; print(_ext.packed_widths())")
  echo "packed widths of the copy: $WIDTHS (expected (2, 3, 5, 6, 7))" | tee -a $RUNS/checks.txt
  TESTS=$(PYTHONPATH=$PWD timeout 160 python3 -m pytest -q -x tests/gpu 2>&1 \
    | grep -E "FAILED|passed|failed|rror" | head -8)
  echo "tests/gpu (packed): $TESTS" | tee -a $RUNS/checks.txt
  MC=$(PYTHONPATH=$PWD timeout 150 compute-sanitizer --tool memcheck python3 -m pytest -q \
    tests/gpu/test_cuda_kernels.py -k "all_m_odd_shape and not 4 and not 8" 2>&1 \
    | grep -E "ERROR SUMMARY|passed|failed" | tail -3)
  echo "memcheck (packed): $MC" | tee -a $RUNS/checks.txt
  cd - > /dev/null
  ab_bench planes1 "$PWD" -- --ms 1,4,16,32,256 --bits 2,3,5,6,7
  ab_bench packed1 /tmp/packed -- --ms 1,4,16,32,256 --bits 2,3,5,6,7
  ab_finish planes1 packed1
  [ "$PHASE" = 1 ] && { cat $RUNS/table.txt $RUNS/checks.txt; exit 0; }
else
  ab_resume packed
  [ -d /tmp/packed ] && [ -f "$RUNS/planes1.json" ] \
    || { echo "no phase 1 on this machine (it was given back): run PHASE=1 again"; exit 1; }
fi
ab_bench planes2 "$PWD" -- --ms 1,4,16,32,256 --bits 2,3,5,6,7
ab_bench packed2 /tmp/packed -- --ms 1,4,16,32,256 --bits 2,3,5,6,7
ab_finish planes1 packed1 planes2 packed2
cat $RUNS/table.txt $RUNS/checks.txt
