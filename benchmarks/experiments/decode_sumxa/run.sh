#!/usr/bin/env bash
# Session 21's first call: the sums of x with x as A (ANYPREC_SUM_XA) and the L1 prefetch of the
# next chunk's x in the register double-buffer loop (ANYPREC_X_PREFETCH), both on in the tree,
# against a copy built with both off (build_pair.sh, /tmp/xoff). Timing: uniform M = 2..16 and
# LUT M = 1, 4, 16, b = 2..8, fp16, the four Llama-3-8B weights, two passes of each build. Then
# the decode tests (tests/gpu/test_cuda_kernels.py without the switch runs) on the tree's build,
# and the vLLM bundle's first half staged when carried (.stage). Device, repository root.
# Ran on f1f1ea2 with sumxa_and_prefetch.patch applied (the prefetch is not on main any more).
# Usage: OUT=dir bash benchmarks/experiments/decode_sumxa/run.sh
set -uo pipefail
source benchmarks/experiments/ab_lib.sh
export AB_TIMEOUT=${AB_TIMEOUT:-150}
ab_init decode_sumxa
ab_build_pair xoff "-DANYPREC_SUM_XA=0 -DANYPREC_X_PREFETCH=0"
U=(--ms 2,4,8,16 --schemes uniform --bits 2,3,4,5,6,7,8)
L=(--ms 1,4,16 --schemes lut --bits 2,3,4,5,6,7,8)
# (call 1 ran each pass's uniform and LUT runs interleaved; the same runs, grouped by scheme)
ab_bench_passes 2 "on ." "off /tmp/xoff" -- "${U[@]}"
ab_bench_passes 2 "lon ." "loff /tmp/xoff" -- "${L[@]}"
ab_report on1 off1 on2 off2
python3 benchmarks/experiments/decode_m1/table.py "$RUNS" lon1 loff1 lon2 loff2 | tee "$OUT/table_lut.txt"
cp "$RUNS/table.txt" "$OUT/table_uniform.txt"
echo "timed at $(( $(date +%s) - AB_START )) s"
timeout "${TEST_TIMEOUT:-150}" python3 -m pytest -q -x tests/gpu/test_cuda_kernels.py \
  -k "not switches" > "$OUT/pytest.log" 2>&1
echo "tests: $(tail -1 "$OUT/pytest.log") at $(( $(date +%s) - AB_START )) s"
if [ -d .stage ]; then
  mkdir -p /tmp/vllm-stage && cp -f .stage/* /tmp/vllm-stage/ && echo "staged: $(ls /tmp/vllm-stage)"
fi
