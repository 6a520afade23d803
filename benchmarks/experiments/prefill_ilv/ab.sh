#!/usr/bin/env bash
# v12 A/B (device, repository root; one call, ~6 min): the tree as it is (A) and a copy built
# with -DANYPREC_PREFILL_ILV (B: the interleaved schedule for 128-token blocks); the prefill
# tests on B; then prefill_wgmma/bench.py in both, 128- and 256-token grids forced (256x1 is
# the same kernel in both: the run's noise). OUT/A, OUT/B: prefill_wgmma.{json,png,log}.
set -uo pipefail
OUT=${OUT:-device_out}
mkdir -p "$OUT/A" "$OUT/B"
nvidia-smi --query-gpu=name,clocks.sm,clocks.mem --format=csv | tee "$OUT/gpu.txt"
s=$(date +%s)
bash benchmarks/experiments/build_pair.sh "$OUT" ilv "-DANYPREC_PREFILL_ILV"
ls vllm_anyprec/_C*.so /tmp/ilv/vllm_anyprec/_C*.so > /dev/null || { tail -20 "$OUT"/build*.log; exit 1; }
echo "built in $(( $(date +%s) - s )) s"
s=$(date +%s)
(cd /tmp/ilv && PYTHONPATH=/tmp/ilv timeout 150 python3 -m pytest -q -p no:cacheprovider \
  tests/gpu/test_prefill_wgmma.py > "$OUT/B/tests_prefill.log" 2>&1)
echo "B prefill tests rc=$? in $(( $(date +%s) - s )) s"; tail -3 "$OUT/B/tests_prefill.log"
ARGS="--ms ${MS:-64,128,256,1024} --bits ${BITS:-3,4,8} --plans 128x1,256x1 --decode-max-m 0"
for v in A B; do
  d=$PWD; [ $v = B ] && d=/tmp/ilv
  s=$(date +%s)
  (cd "$d" && PYTHONPATH="$d" timeout 200 python3 benchmarks/experiments/prefill_wgmma/bench.py \
    --out "$OUT/$v" $ARGS > "$OUT/$v/prefill_wgmma.log" 2>&1)
  echo "$v bench rc=$? in $(( $(date +%s) - s )) s"
done
python3 benchmarks/experiments/prefill_ilv/compare.py "$OUT/A/prefill_wgmma.json" \
  "$OUT/B/prefill_wgmma.json" | tee "$OUT/compare.txt"
