#!/usr/bin/env bash
# The second call of session 18 on X8's default rule (b >= 4, M <= 4, the ring; PT off): build,
# the tests that run X8 (the M = 2..8 tests, the odd-shape tests, the X8 switch tests, graphs,
# Llama shapes), a memcheck of X8 at every b on the M = 2..8 tests, the timing of the default
# against X8 off at M = 1..8 (uniform b = 2..8 on the Llama-3-8B weights and (4096, 14336)),
# then the ncu profile (profile.sh). Device, repository root.
# Usage: OUT=dir bash benchmarks/experiments/decode_x8/check.sh   (SKIP_BUILD=1: the tree is built)
set -uo pipefail
source benchmarks/experiments/ab_lib.sh
ab_init decode_x8_check
if [ "${SKIP_BUILD:-0}" != 1 ]; then rm -f vllm_anyprec/_C*.so; ab_build; fi
A=(--ms 1,2,3,4,8 --schemes uniform --bits 2,3,4,5,6,7,8
   --shapes 4096x28672,14336x4096,4096x6144,4096x4096,4096x14336)
ab_bench off . ANYPREC_DECODE_X8=0 -- "${A[@]}"
ab_bench x8 . -- "${A[@]}"
ab_bench off2 . ANYPREC_DECODE_X8=0 -- "${A[@]}"
ab_bench x8b . -- "${A[@]}"
ab_report off x8 off2 x8b
timeout "${TEST_TIMEOUT:-230}" python3 -m pytest -q -x tests/gpu/test_cuda_kernels.py \
  -k "m2_8 or all_m_odd_shape or (switches and eight) or cuda_graph or llama_shapes" \
  > "$OUT/pytest.log" 2>&1
echo "tests: $(tail -1 "$OUT/pytest.log")"
ANYPREC_DECODE_X8=2 timeout 90 compute-sanitizer --tool memcheck python3 -m pytest -q -x \
  tests/gpu/test_cuda_kernels.py -k "m2_8_every_fold and 128" > "$OUT/memcheck.log" 2>&1
echo "memcheck (X8 at every b): $(grep -E "ERROR SUMMARY|passed|failed" "$OUT/memcheck.log" | tail -2 | tr '\n' ' ')"
PYTHONPATH=$PWD OUT=$OUT/prof bash benchmarks/experiments/decode_x8/profile.sh
