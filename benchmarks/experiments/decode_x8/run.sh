#!/usr/bin/env bash
# X8 (uniform, 2 <= M <= 8: the M = 1 ring and its persistent form with the M activation rows in
# each stage; launch_x8 in fused_gemm.cuh) against the register double-buffer kernel that ran
# there before (ANYPREC_DECODE_X8=0), same build, run-time switches: uniform b = 2..8 (and bf16
# b = 4) at M = 2, 4, 8, 16 on (4096, 28672), (14336, 4096), (4096, 6144).
# Runs: off, x8 (default rule), x8pt (PT forced), x8ring (PT never, wave model), x8ringt (PT
# never, warp target), x8pt1 / x8pt2 (PT forced, 1 / 2 warps per block), w1 / w2 (every decode
# kernel at 1 / 2 warps per block), then off2 / x8b (the noise). Then the tests that run it (the M = 2..8
# tests, the odd-shape tests, the X8 switch tests, graphs, Llama shapes) and a memcheck of the
# forced PT and the ring on the M = 2..8 tests at b = 4 (the M = 2..8 tests first, before the
# timing, under the rule and PT forced). Written in session 18. Device,
# repository root.
# Usage: OUT=dir bash benchmarks/experiments/decode_x8/run.sh   (SKIP_BUILD=1: the tree is built;
#   SKIP_TESTS=1: timing only)
set -uo pipefail
source benchmarks/experiments/ab_lib.sh
ab_init decode_x8
if [ "${SKIP_BUILD:-0}" != 1 ]; then rm -f vllm_anyprec/_C*.so; ab_build; fi
# first the quick correctness check of X8 itself (both forms), then the timing, then the rest
for v in "ANYPREC_X8_PT=1" "ANYPREC_X8_PT=2 ANYPREC_PT_GRID=3"; do
  env $v timeout 120 python3 -m pytest -q -x tests/gpu/test_cuda_kernels.py -k m2_8_every_fold \
    > "$OUT/pytest_quick.log" 2>&1
  echo "quick ($v): $(tail -1 "$OUT/pytest_quick.log")"
done
A=(--ms 2,4,8,16 --schemes uniform --bits 2,3,4,5,8 --shapes 4096x28672,14336x4096,4096x6144)
export ANYPREC_PT_DEBUG=1 ANYPREC_RING_DEBUG=1
ab_bench off . ANYPREC_DECODE_X8=0 -- "${A[@]}"
ab_bench x8 . -- "${A[@]}"
ab_bench x8pt . ANYPREC_X8_PT=2 -- "${A[@]}"
ab_bench x8ring . ANYPREC_X8_PT=0 -- "${A[@]}"
ab_bench x8ringt . ANYPREC_X8_PT=0 ANYPREC_X8_WAVE=0 -- "${A[@]}"
# one or two warps per block: warps on the same SM walk the chunks together, so x (the same
# for every n-tile) can come from L1 (cp.async.ca, ld.global); M = 16 runs the plain kernel
ab_bench x8pt1 . ANYPREC_X8_PT=2 ANYPREC_PT_WARPS=1 -- "${A[@]}"
ab_bench x8pt2 . ANYPREC_X8_PT=2 ANYPREC_PT_WARPS=2 -- "${A[@]}"
ab_bench w1 . ANYPREC_DECODE_WARPS=1 -- "${A[@]}"
ab_bench w2 . ANYPREC_DECODE_WARPS=2 -- "${A[@]}"
ab_bench off2 . ANYPREC_DECODE_X8=0 -- "${A[@]}"
ab_bench x8b . -- "${A[@]}"
AB_PT_LINES=80 ab_report off x8 x8pt x8ring x8ringt x8pt1 x8pt2 w1 w2 off2 x8b
grep -h "anyprec ring x8" "$RUNS"/*.log 2>/dev/null | sort | uniq | head -40 || true
if [ "${SKIP_TESTS:-0}" != 1 ]; then
  timeout "${TEST_TIMEOUT:-240}" python3 -m pytest -q -x tests/gpu/test_cuda_kernels.py \
    -k "m2_8 or all_m_odd_shape or (switches and eight) or cuda_graph or llama_shapes" \
    > "$OUT/pytest.log" 2>&1
  tail -3 "$OUT/pytest.log"
  for v in "ANYPREC_X8_PT=2 ANYPREC_PT_GRID=3" "ANYPREC_X8_PT=0"; do
    env $v timeout 100 compute-sanitizer --tool memcheck python3 -m pytest -q -x \
      tests/gpu/test_cuda_kernels.py -k "m2_8_every_fold and 4-" > "$OUT/memcheck.log" 2>&1
    echo "memcheck ($v): $(grep -E "ERROR SUMMARY|passed|failed" "$OUT/memcheck.log" | tail -2 | tr '\n' ' ')"
  done
fi
