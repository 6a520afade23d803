#!/usr/bin/env bash
# The end-to-end vLLM benchmark on the device (scripts/bench_vllm.py: Llama-3-8B, 32 layers,
# dummy weights, torch.compile + CUDA graphs; B = 1, 16, 64, prompt 128, 128 new tokens), one
# configuration per bench_vllm.py run so that a call cut short keeps what finished. Installs the
# vLLM bundle first if this machine has none (carry .stage2; the call before staged .stage and
# built the extension: ../h200_record_s35/stage_build.sh), builds the extension if missing.
# A configuration starts only while BUDGET_SECS (default 540) leave CFG_SECS (default 150) for it.
# OUT/<config>.json each (merge them here: python scripts/bench_vllm.py --merge ... --out
# benchmarks), OUT/logs.tgz (every engine's log), OUT/install.log.
# Usage: OUT=$OUT CONFIGS="fp16 gptq4 uniform4 lut4" bash benchmarks/experiments/vllm_e2e/run.sh
source benchmarks/experiments/ab_lib.sh  # (set -uo pipefail)
T0=$(date +%s)
OUT=${OUT:-device_out}
mkdir -p "$OUT"
if [ ! -d /tmp/vllm-site ]; then
  [ -d .stage2 ] || { echo "no vLLM here and no .stage2 carried: stage .stage first"; exit 1; }
  ab_stage_vllm .stage2
  bash /tmp/vllm-stage/install-on-device.sh > "$OUT/install.log" 2>&1 \
    || { tail -5 "$OUT/install.log"; exit 1; }
  tail -2 "$OUT/install.log"
fi
export PYTHONPATH=/tmp/vllm-site:$PWD VLLM_USE_FLASHINFER_SAMPLER=0
export VLLM_CACHE_ROOT=/tmp/vllm-cache  # (torch.compile's cache, kept while the machine is)
ls vllm_anyprec/_C*.so > /dev/null 2>&1 || ab_build
nvidia-smi --query-gpu=name,clocks.max.sm,clocks.max.mem --format=csv,noheader
mkdir -p /tmp/e2e
for c in ${CONFIGS:-fp16 gptq4 uniform4 lut4}; do
  left=$(( ${BUDGET_SECS:-540} - ($(date +%s) - T0) ))
  if (( left < ${CFG_SECS:-150} )); then echo "$c: skipped, ${left} s left"; continue; fi
  t0=$(date +%s)
  timeout "$left" python3 scripts/bench_vllm.py --configs "$c" --out "/tmp/e2e/$c" --logs \
    > "/tmp/e2e/$c.log" 2>&1
  echo "$c rc=$? in $(( $(date +%s) - t0 )) s"
  grep -E "engine up|served by|^ +$c " "/tmp/e2e/$c.log" | tail -5
  cp /tmp/e2e/"$c"/vllm_*.json "$OUT/$c.json" 2> /dev/null || tail -15 "/tmp/e2e/$c.log"
done
tar czf "$OUT/logs.tgz" -C /tmp e2e
