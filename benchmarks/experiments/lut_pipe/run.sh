#!/usr/bin/env bash
# LP (the LUT scheme at M = 1 through the ring, and PT for the register tables at b <= 3;
# lut_pipe_enabled in fused_gemm.cuh) against the LUT kernel it replaces (fused_gemm_kernel,
# ANYPREC_LUT_PIPE=0), same build, run-time switches: LUT b = 2..8 at M = 1 on the Llama-3-8B
# weights and (4096, 14336), fp16 (and bf16 at b = 4). Runs: def (the ring, PT by its
# rule at b <= 3), off, ring (PT off), ring3 (PT off, 3 stages), pt2 (PT with 2 stages), wave
# (the wave model for every launch), then def2 / off2 (the noise). Then the LUT tests, their
# switch runs, a memcheck of the ring (b = 8) and of PT on 3 blocks
# (b = 3); at the end the vLLM bundle's first half is staged when carried (.stage). Device,
# repository root.
# Ran on commit 9d687af (session 20's call 1). Later code builds neither PT for LUT nor the
# 3-stage ring, so ANYPREC_LUT_PT / _STAGES are ignored there (check.sh times the code as kept).
# Usage: OUT=dir bash benchmarks/experiments/lut_pipe/run.sh   (SKIP_BUILD=1: the tree is built;
#   SKIP_TESTS=1: no tests)
set -uo pipefail
source benchmarks/experiments/ab_lib.sh
ab_init lut_pipe
if [ "${SKIP_BUILD:-0}" != 1 ]; then rm -f vllm_anyprec/_C*.so; ab_build; fi
A=(--ms 1 --schemes lut --bits 2,3,4,5,6,7,8
   --shapes 4096x28672,14336x4096,4096x6144,4096x4096,4096x14336)
export ANYPREC_PT_DEBUG=1 ANYPREC_RING_DEBUG=1
ab_bench_each def "off ANYPREC_LUT_PIPE=0" "ring ANYPREC_LUT_PT=0" \
  "ring3 ANYPREC_LUT_PT=0 ANYPREC_LUT_STAGES=3" "pt2 ANYPREC_PT_STAGES=2" \
  "wave ANYPREC_DECODE_WAVE=2" def2 "off2 ANYPREC_LUT_PIPE=0" -- "${A[@]}"
ab_report def off ring ring3 pt2 wave def2 off2
grep -h "anyprec ring: b=[0-9] lut=1" "$RUNS"/def.log "$RUNS"/wave.log 2>/dev/null | sort | uniq -c | head -40 || true
if [ "${SKIP_TESTS:-0}" != 1 ]; then
  timeout "${TEST_TIMEOUT:-200}" python3 -m pytest -q -x tests/gpu/test_cuda_kernels.py \
    -k "lut_m1_ring or (switches and lp) or (all_m_odd_shape and lut)" > "$OUT/pytest.log" 2>&1
  echo "tests: $(tail -1 "$OUT/pytest.log")"
  timeout 100 compute-sanitizer --tool memcheck python3 -m pytest -q -x \
    tests/gpu/test_cuda_kernels.py -k "lut_m1_ring and 8" > "$OUT/memcheck_ring.log" 2>&1
  echo "memcheck (ring, b = 8): $(grep -E "ERROR SUMMARY|passed|failed" "$OUT/memcheck_ring.log" | tail -2 | tr '\n' ' ')"
  ANYPREC_LUT_PT=2 ANYPREC_PT_GRID=3 timeout 100 compute-sanitizer --tool memcheck python3 -m \
    pytest -q -x tests/gpu/test_cuda_kernels.py -k "lut_m1_ring and 3" > "$OUT/memcheck_pt.log" 2>&1
  echo "memcheck (PT on 3 blocks, b = 3): $(grep -E "ERROR SUMMARY|passed|failed" "$OUT/memcheck_pt.log" | tail -2 | tr '\n' ' ')"
fi
if [ -d .stage ]; then
  mkdir -p /tmp/vllm-stage && cp -f .stage/* /tmp/vllm-stage/ && echo "staged: $(ls /tmp/vllm-stage)"
fi
