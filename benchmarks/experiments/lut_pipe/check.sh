#!/usr/bin/env bash
# Session 20's second call on LP as kept (the ring at b <= 4 on weights of >= 8192 tile-chunks;
# PT and 3 stages not built): build, the timing of the rule against LP off and on every weight
# (ANYPREC_LUT_PIPE = 0 / 2; LUT b = 2..5 at M = 1, two passes of each), then tests/gpu
# without the switch runs plus LP's two switch runs, then the vLLM bundle's first half staged
# for the record's call (carry .stage). Device, repository root.
# Usage: OUT=dir bash benchmarks/experiments/lut_pipe/check.sh   (SKIP_BUILD=1: the tree is built)
set -uo pipefail
source benchmarks/experiments/ab_lib.sh
ab_init lut_pipe_check
if [ "${SKIP_BUILD:-0}" != 1 ]; then rm -f vllm_anyprec/_C*.so; ab_build; fi
A=(--ms 1 --schemes lut --bits 2,3,4,5
   --shapes 4096x28672,14336x4096,4096x6144,4096x4096,4096x14336)
export ANYPREC_RING_DEBUG=1
ab_bench_each rule "off ANYPREC_LUT_PIPE=0" "all ANYPREC_LUT_PIPE=2" rule2 "off2 ANYPREC_LUT_PIPE=0" \
  -- "${A[@]}"
ab_report rule off all rule2 off2
grep -h "anyprec ring: b=[0-9] lut=1" "$RUNS"/rule.log 2>/dev/null | sort | uniq -c | head -20 || true
timeout "${TEST_TIMEOUT:-240}" python3 -m pytest -q -x tests/gpu --durations=8 \
  -k "not switches or lp0 or lpall" > "$OUT/pytest.log" 2>&1
echo "tests: $(tail -1 "$OUT/pytest.log")"
if [ -d .stage ]; then
  mkdir -p /tmp/vllm-stage && cp -f .stage/* /tmp/vllm-stage/ && echo "staged: $(ls /tmp/vllm-stage)"
fi
