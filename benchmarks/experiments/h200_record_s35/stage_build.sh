#!/usr/bin/env bash
# The call before the record's second call (../h200_record_s23/callB.sh) when other calls came
# between it and callA (device, repository root, carry .stage; ~2 min warm, ~3.5 min on a fresh
# machine): stages the vLLM bundle's first part again and builds the tree as committed. After
# the lean A/B (../lean_alu/) the winners are turned on and committed before the record, and
# that takes longer than the 30 s a machine waits idle: the machine that staged the first part
# in callA is gone by then, and the two parts (2 x 46 MB) do not fit one call's 64 MiB carry.
# OUT/stage_build.log (the build's tail and the layout the extension reports).
# Usage: OUT=$OUT bash benchmarks/experiments/h200_record_s35/stage_build.sh
source benchmarks/experiments/ab_lib.sh  # (set -uo pipefail)
OUT=${OUT:-device_out}
mkdir -p "$OUT"
ab_stage_vllm .stage
ls -l /tmp/vllm-stage
s=$(date +%s)
ANYPREC_BUILD_CUDA=1 ANYPREC_CUDA_ARCHS=90a MAX_JOBS=16 python3 setup.py build_ext --inplace \
  > /tmp/stage_build_full.log 2>&1
rc=$?
{ echo "build rc=$rc in $(( $(date +%s) - s )) s"; tail -5 /tmp/stage_build_full.log
} > "$OUT/stage_build.log" 2>&1
cat "$OUT/stage_build.log"
ab_constants . /tmp/stage_build_constants.txt | tee -a "$OUT/stage_build.log"
exit $rc
