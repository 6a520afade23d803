#!/usr/bin/env bash
# Session 19's second call on XB's rule (uniform, b >= 8, M >= 8, at least one block per SM):
# build, the tests that run XB (M = 9..16 and 2..8 under the switches, the rule's wide weight,
# off), a memcheck of the rule test, the timing of the rule against XB off and against the rule
# from b = 6 (ANYPREC_XB_MIN_BITS=6) at M = 8, 12, 16 (b = 6, 7, 8, the Llama-3-8B
# weights), then the vLLM bundle's first half staged for the record's second call
# (benchmarks/experiments/h200_record_s15/README.md; carry .stage). Device, repository root.
# Usage: OUT=dir bash benchmarks/experiments/decode_xb/check.sh   (SKIP_BUILD=1: the tree is built)
set -uo pipefail
source benchmarks/experiments/ab_lib.sh
ab_init decode_xb_check
if [ "${SKIP_BUILD:-0}" != 1 ]; then rm -f vllm_anyprec/_C*.so; ab_build; fi
timeout "${TEST_TIMEOUT:-200}" python3 -m pytest -q -x tests/gpu/test_cuda_kernels.py \
  -k "xb_rule_wide or m9_16 or m2_8_every_fold or (switches and (xb or eight0))" \
  > "$OUT/pytest.log" 2>&1
echo "tests: $(tail -1 "$OUT/pytest.log")"
timeout 90 compute-sanitizer --tool memcheck python3 -m pytest -q -x \
  tests/gpu/test_cuda_kernels.py -k "xb_rule_wide and 8" > "$OUT/memcheck.log" 2>&1
echo "memcheck (XB by its rule): $(grep -E "ERROR SUMMARY|passed|failed" "$OUT/memcheck.log" | tail -2 | tr '\n' ' ')"
A=(--ms 8,12,16 --schemes uniform --bits 6,7,8
   --shapes 4096x28672,14336x4096,4096x6144,4096x4096,4096x14336)
export ANYPREC_PT_DEBUG=1
ab_bench_each rule "off ANYPREC_DECODE_XB=0" "from6 ANYPREC_XB_MIN_BITS=6" rule2 \
  "off2 ANYPREC_DECODE_XB=0" -- "${A[@]}"
ab_report rule off from6 rule2 off2
grep -h "anyprec XB" "$RUNS"/rule.log "$RUNS"/from6.log 2>/dev/null | sort | uniq -c | head -30 || true
if [ -d .stage ]; then
  mkdir -p /tmp/vllm-stage && cp -f .stage/* /tmp/vllm-stage/ && echo "staged: $(ls /tmp/vllm-stage)"
fi
