#!/usr/bin/env bash
# Where a decode step's GPU time goes (profile_step.py), one engine per configuration, on a
# machine where run.sh has installed vLLM and built the extension (same warm machine).
# OUT/profile_<config>.json and OUT/profile_<config>.log each.
# Usage: OUT=$OUT CONFIGS="fp16 uniform4 gptq4 lut4" bash benchmarks/experiments/vllm_e2e/profile.sh
set -uo pipefail
T0=$(date +%s)
OUT=${OUT:-device_out}
mkdir -p "$OUT"
[ -d /tmp/vllm-site ] || { echo "no vLLM here: run run.sh first on this machine"; exit 1; }
export PYTHONPATH=/tmp/vllm-site:$PWD VLLM_USE_FLASHINFER_SAMPLER=0
export VLLM_CACHE_ROOT=/tmp/vllm-cache
for c in ${CONFIGS:-fp16 uniform4 gptq4 lut4}; do
  left=$(( ${BUDGET_SECS:-540} - ($(date +%s) - T0) ))
  if (( left < ${CFG_SECS:-100} )); then echo "$c: skipped, ${left} s left"; continue; fi
  t0=$(date +%s)
  timeout "$left" python3 benchmarks/experiments/vllm_e2e/profile_step.py --config "$c" \
    --batch-sizes ${BATCHES:-1,64} --out "$OUT" > "$OUT/profile_$c.log" 2>&1
  echo "$c rc=$? in $(( $(date +%s) - t0 )) s"
  grep -A40 "^\[$c\]" "$OUT/profile_$c.log" | head -60 || tail -20 "$OUT/profile_$c.log"
  [ -f "$OUT/profile_$c.json" ] || tail -20 "$OUT/profile_$c.log"
done
