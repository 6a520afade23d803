#!/usr/bin/env bash
# Ring depth of the pipelined M = 1 kernel (ANYPREC_M1_STAGES, build time; device, repository
# root): builds the tree (2 stages) and copies in /tmp/st3, /tmp/st4 with 3 and 4 stages in
# parallel, runs the M = 1 GPU tests on each copy, then times M = 1, b = 2..6 (the widths where
# the ring kernel runs; b >= 7 take XS) for the three builds, twice in alternation. Results:
# OUT/runs.tgz (JSONs + logs), the uniform table and the test lines last on stdout.
# Usage: OUT=dir bash benchmarks/experiments/decode_stages/run.sh
source benchmarks/experiments/ab_lib.sh
ab_init st
export ANYPREC_BUILD_CUDA=1 ANYPREC_CUDA_ARCHS=90a MAX_JOBS=6
for s in 3 4; do rm -rf /tmp/st$s && mkdir -p /tmp/st$s && cp -r "$PWD"/. /tmp/st$s/; done
(timeout 300 python3 setup.py build_ext --inplace > "$OUT/build.log" 2>&1 || echo "build failed") &
for s in 3 4; do
  (cd /tmp/st$s && ANYPREC_NVCC_FLAGS="-DANYPREC_M1_STAGES=$s" timeout 300 \
    python3 setup.py build_ext --inplace > "$OUT/build_st$s.log" 2>&1 || echo "st$s build failed") &
done
wait
echo "built: $(date)"
for s in 3 4; do
  T=$(cd /tmp/st$s && PYTHONPATH=/tmp/st$s timeout 90 python3 -m pytest -q tests/gpu/test_cuda_kernels.py \
    -k "m1_every_fold or m1_long_k or all_m_odd_shape" 2>&1 | grep -E "FAILED|passed|failed|rror" | head -5)
  echo "tests st$s: $T"
done
AB_TIMEOUT=50
for i in 1 2; do
  ab_bench st2$i "$PWD" -- --ms 1 --bits 2,3,4,5,6
  ab_bench st3$i /tmp/st3 -- --ms 1 --bits 2,3,4,5,6
  ab_bench st4$i /tmp/st4 -- --ms 1 --bits 2,3,4,5,6
done
ab_finish st21 st31 st41 st22 st32 st42
grep -v " lut " $RUNS/table.txt
