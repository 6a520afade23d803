#!/usr/bin/env bash
# Session 21's second call: the sums of x with x as A alone (ANYPREC_SUM_XA, on in the tree; the
# L1 prefetch of run.sh is gone) against a copy built with it off (/tmp/xoff), uniform M = 2..32,
# b = 2..8, fp16 (bf16 at b = 4), the four Llama-3-8B weights, two passes each; then the decode
# tests and the switch runs that take the changed kernels (the M = 1 tests through the all-ones
# sums path, the register double buffer, X8 and XB forced), and LP's rule run; the vLLM bundle's
# first half staged when carried (.stage). Device, repository root.
# Ran in session 21 with ANYPREC_SUM_XA=1 then meaning on everywhere (=2 now; the default is now
# the rule, sum_xa_wins): to repeat call 2, build the tree with ANYPREC_NVCC_FLAGS=-DANYPREC_SUM_XA=2.
# Usage: OUT=dir bash benchmarks/experiments/decode_sumxa/check.sh
set -uo pipefail
source benchmarks/experiments/ab_lib.sh
export AB_TIMEOUT=${AB_TIMEOUT:-150}
ab_init decode_sumxa2
ab_build_pair xoff "-DANYPREC_SUM_XA=0"
U=(--ms 2,4,8,16,32 --schemes uniform --bits 2,3,4,5,6,7,8)
ab_bench_passes 2 "xa ." "off /tmp/xoff" -- "${U[@]}"
ab_report xa1 off1 xa2 off2 > /dev/null
cp "$RUNS/table.txt" "$OUT/table_uniform.txt"
echo "timed at $(( $(date +%s) - AB_START )) s"
timeout "${TEST_TIMEOUT:-100}" python3 -m pytest -q -x tests/gpu/test_cuda_kernels.py \
  -k "not switches" > "$OUT/pytest.log" 2>&1
echo "tests: $(tail -1 "$OUT/pytest.log") at $(( $(date +%s) - AB_START )) s"
timeout "${SWITCH_TIMEOUT:-260}" python3 -m pytest -q tests/gpu/test_cuda_kernels.py --durations=20 \
  -k "switches and (summma0 or pipe0 or eight or xb or lprule)" > "$OUT/pytest_switches.log" 2>&1
echo "switch runs: $(tail -1 "$OUT/pytest_switches.log") at $(( $(date +%s) - AB_START )) s"
if [ -d .stage ]; then
  mkdir -p /tmp/vllm-stage && cp -f .stage/* /tmp/vllm-stage/ && echo "staged: $(ls /tmp/vllm-stage)"
fi
