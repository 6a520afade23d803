#!/usr/bin/env bash
# MC: the capped M = 9..16 kernel (fused_gemm_mt2cap_kernel, b = 3, 4) by its rule
# (mt2_cap_wins), and b = 2's cap, as landed after cap.sh. One call, device, repository root:
# build; the M = 9..16 tests and the MC switch runs (mcall, mcrule, mc0: each launch logged);
# then the rule against ANYPREC_MT2_CAP=0 on the same build, uniform M = 9, 12, 16, b = 2..4
# (b = 2 is the same kernel in both: a noise check), fp16 and bf16 at b = 4, two passes.
# Usage: OUT=dir bash benchmarks/experiments/decode_sumxa/mc.sh
set -uo pipefail
source benchmarks/experiments/ab_lib.sh
export AB_TIMEOUT=${AB_TIMEOUT:-150}
ab_init decode_mc
rm -f vllm_anyprec/_C*.so
ab_build
echo "built in $(( $(date +%s) - AB_START )) s"
timeout 300 python3 -m pytest -q tests/gpu/test_cuda_kernels.py \
  -k "m9_16 or mt2_cap_rule or llama_shapes or cuda_graph or mcall or mcrule or mc0" \
  > "$OUT/pytest_mc.log" 2>&1
echo "tests: $(tail -1 "$OUT/pytest_mc.log") at $(( $(date +%s) - AB_START )) s"
U=(--ms 9,12,16 --schemes uniform --bits 2,3,4)
for p in 1 2; do
  ab_bench "rule$p" . -- "${U[@]}"
  ab_bench "mc0_$p" . ANYPREC_MT2_CAP=0 -- "${U[@]}"
done
ANYPREC_PT_DEBUG=1 PYTHONPATH=. timeout 60 python3 scripts/bench_kernels.py --out /tmp/ab_dbg \
  "${U[@]}" 2>&1 | grep "anyprec MC" | sort | uniq > "$OUT/mc_launches.txt"
ab_report rule1 mc0_1 rule2 mc0_2 > /dev/null
cp "$RUNS/table.txt" "$OUT/table_mc.txt" && cat "$OUT/table_mc.txt"
echo "MC launches:"; cat "$OUT/mc_launches.txt"
echo "done at $(( $(date +%s) - AB_START )) s"
