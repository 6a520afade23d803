#!/usr/bin/env bash
# The call before the record's second call (../h200_record_s23/callB.sh) when other calls came
# between it and callA (device, repository root, carry .stage; ~2 min warm, ~3.5 min on a fresh
# machine): stages the vLLM bundle's first part again and builds the tree as committed. After
# the lean A/B (../lean_alu/) the winners are turned on and committed before the record, and
# that takes longer than the 30 s a machine waits idle: the machine that staged the first part
# in callA is gone by then, and the two parts (2 x 46 MB) do not fit one call's 64 MiB carry.
# OUT/build.log, and OUT/stage_build.log: the layout constants the extension reports.
# Usage: OUT=$OUT bash benchmarks/experiments/h200_record_s35/stage_build.sh
source benchmarks/experiments/ab_lib.sh  # (set -uo pipefail)
OUT=${OUT:-device_out}
mkdir -p "$OUT"
ab_stage_vllm .stage
ls -l /tmp/vllm-stage
ab_build  # OUT/build.log; exits on a failed build
ab_constants . "$OUT/stage_build.log"
