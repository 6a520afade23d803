#!/usr/bin/env bash
# Packed-transposed b = 2, 3, 5, 6, 7 words (build flag ANYPREC_PACKED_T, off; device, repository
# root): builds the tree and a copy in /tmp/packed with -DANYPREC_PACKED_T=1, checks that the
# copy's extension reports the packed widths to Python, runs tests/gpu and a compute-sanitizer
# memcheck subset on it (every kernel reads the weights through decode_unit: decode, prefill,
# dequant), then times b = 2, 3, 5, 6, 7 at M = 1, 4, 16, 32, 256, both schemes, for both
# builds, twice in alternation. Results: OUT/runs.tgz, the table and the test lines last.
# Usage: OUT=dir bash benchmarks/experiments/packed/run.sh
source benchmarks/experiments/ab_lib.sh
ab_init packed
bash benchmarks/experiments/build_pair.sh "$OUT" packed "-DANYPREC_PACKED_T=1"
echo "built: $(date)"
cd /tmp/packed
WIDTHS=$(PYTHONPATH=$PWD python3 -c "from vllm_anyprec import _ext; print(_ext.packed_widths())")
echo "packed widths of the copy: $WIDTHS (expected (2, 3, 5, 6, 7))"
TESTS=$(PYTHONPATH=$PWD timeout 160 python3 -m pytest -q -x tests/gpu 2>&1 \
  | grep -E "FAILED|passed|failed|rror" | head -8)
echo "tests/gpu (packed): $TESTS"
MC=$(PYTHONPATH=$PWD timeout 150 compute-sanitizer --tool memcheck python3 -m pytest -q \
  tests/gpu/test_cuda_kernels.py -k "all_m_odd_shape and not 4 and not 8" 2>&1 \
  | grep -E "ERROR SUMMARY|passed|failed" | tail -3)
echo "memcheck (packed): $MC"
cd - > /dev/null
AB_TIMEOUT=90
for i in 1 2; do
  ab_bench planes$i "$PWD" -- --ms 1,4,16,32,256 --bits 2,3,5,6,7
  ab_bench packed$i /tmp/packed -- --ms 1,4,16,32,256 --bits 2,3,5,6,7
done
ab_finish planes1 packed1 planes2 packed2
cat $RUNS/table.txt
echo "packed widths of the copy: $WIDTHS (expected (2, 3, 5, 6, 7))"
echo "tests/gpu (packed): $TESTS"
echo "memcheck (packed): $MC"
