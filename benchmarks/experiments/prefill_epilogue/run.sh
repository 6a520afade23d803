#!/usr/bin/env bash
# Run in session 32 at commit 3dd6803 (the new epilogues in every kernel; README.md for what landed).
# The prefill epilogues of session 32 (pushed cluster reduction, staged 16-byte stores) against
# the ones before (-DANYPREC_PREFILL_OLD_EPILOGUE), in one call: both built in parallel, the
# prefill tests on the tree, then prefill_wgmma/bench.py in each (forced 64-, 128-token, cluster
# pair and 256-token grids and the op's plan; M = 64, 256, 1024; b = 4, 8; both schemes; the
# four Llama-3-8B weights) and compare_variants.py. Device, repository root, ~5 min.
# OUT/epilogue.tgz.
# Usage: OUT=$OUT bash benchmarks/experiments/prefill_epilogue/run.sh
source benchmarks/experiments/ab_lib.sh  # (set -uo pipefail)
ab_rundir epilogue
nvidia-smi --query-gpu=name,clocks.sm,clocks.mem --format=csv > "$R/gpu.txt"
s=$(date +%s)
bash benchmarks/experiments/build_pair.sh "$R" old "-DANYPREC_PREFILL_OLD_EPILOGUE"
ls vllm_anyprec/_C*.so /tmp/old/vllm_anyprec/_C*.so > /dev/null || { tail -5 "$R"/build*.log; ab_pack; exit 1; }
echo "built in $(( $(date +%s) - s )) s"
ab_pytest "$R/tests.log" 150 tests/gpu/test_prefill_wgmma.py
ab_pack
ARGS="--ms 64,256,1024 --bits 4,8 --schemes uniform,lut --plans 64x1,128x1,128x2,256x1 --decode-max-m 0"
for name in base old; do
  d=$PWD
  [ $name = old ] && d=/tmp/old
  mkdir -p "$R/$name"
  (cd "$d" && PYTHONPATH="$d" timeout 100 python3 benchmarks/experiments/prefill_wgmma/bench.py \
    --out "$R/$name" $ARGS > "$R/$name/bench.log" 2>&1)
  echo "$name bench rc=$?"
  ab_pack
done
for plan in 64x1 128x1 128x2 256x1; do
  python3 benchmarks/experiments/compare_variants.py --plan $plan "$R/old/prefill_wgmma.json" \
    "$R/base/prefill_wgmma.json" > "$R/compare_$plan.txt"
done
python3 benchmarks/experiments/compare_variants.py --field prefill_us "$R/old/prefill_wgmma.json" \
  "$R/base/prefill_wgmma.json" > "$R/compare_prefill_us.txt"
grep -h -B0 geomean "$R"/compare_*.txt
ab_pack
