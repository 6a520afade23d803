#!/usr/bin/env bash
# PT's bulk form, per-warp version (session 17, second form; the per-block form with a producer
# warp is in README.md, rejected): each warp's ring filled by bulk copies (one for the chunk's
# weights, one per fold for its metadata) on one mbarrier per stage, x in shared memory once per
# block, see BK in fused_gemm.cuh. Against PT in the same build (run-time switches), and a
# second build with the register cap of PT (-DANYPREC_PTB_MIN_BLOCKS=3: 80 registers, small
# spills) in /tmp/cap3. Uniform b = 2..8 at M = 1 on the wide weights (PT's rule) and, forced,
# on (14336, 4096). Before the timing: the switch tests of the bulk form (which check from the
# launch log that it ran) and a memcheck of it forced onto 3 blocks. Device, repository root.
# Usage: OUT=dir bash benchmarks/experiments/pt_bulk/run.sh
set -uo pipefail
source benchmarks/experiments/ab_lib.sh
ab_init pt_bulk
export ANYPREC_BUILD_CUDA=1 ANYPREC_CUDA_ARCHS=90a MAX_JOBS=8
rm -f vllm_anyprec/_C*.so
(python3 setup.py build_ext --inplace > "$OUT/build.log" 2>&1 || echo "build failed") &
rm -rf /tmp/cap3 && mkdir -p /tmp/cap3 && cp -r ./. /tmp/cap3/
(cd /tmp/cap3 && ANYPREC_NVCC_FLAGS="-DANYPREC_PTB_MIN_BLOCKS=3" \
  python3 setup.py build_ext --inplace > "$OUT/build_cap3.log" 2>&1 || echo "cap3 build failed") &
wait
echo "built: $(date)"
timeout "${TEST_TIMEOUT:-200}" python3 -m pytest -q -x tests/gpu/test_cuda_kernels.py \
  -k "switches and bulk" > "$OUT/pytest.log" 2>&1
tail -3 "$OUT/pytest.log"
ANYPREC_PT_BULK=1 ANYPREC_DECODE_PT=2 ANYPREC_PT_GRID=3 timeout 120 compute-sanitizer \
  --tool memcheck python3 -m pytest -q -x tests/gpu/test_cuda_kernels.py \
  -k "m1_every_fold and 4" > "$OUT/memcheck.log" 2>&1
grep -E "ERROR SUMMARY|passed|failed" "$OUT/memcheck.log" | tail -3
A=(--ms 1 --schemes uniform --bits 2,3,4,5,6,7,8 --shapes 4096x28672,4096x14336,14336x4096)
export ANYPREC_PT_DEBUG=1
ab_bench pt . -- "${A[@]}"
ab_bench bulk2 . ANYPREC_PT_BULK=1 -- "${A[@]}"
ab_bench bulk3 . ANYPREC_PT_BULK=1 ANYPREC_PTB_STAGES=3 -- "${A[@]}"
ab_bench cap2 /tmp/cap3 ANYPREC_PT_BULK=1 -- "${A[@]}"
ab_bench cap3 /tmp/cap3 ANYPREC_PT_BULK=1 ANYPREC_PTB_STAGES=3 -- "${A[@]}"
ab_bench pt2 . -- "${A[@]}"
ab_bench bulk2b . ANYPREC_PT_BULK=1 -- "${A[@]}"
ab_bench ptf . ANYPREC_DECODE_PT=2 -- "${A[@]}"
ab_bench bulkf . ANYPREC_PT_BULK=1 ANYPREC_DECODE_PT=2 -- "${A[@]}"
AB_PT_LINES=80 ab_report pt bulk2 bulk3 cap2 cap3 pt2 bulk2b ptf bulkf
