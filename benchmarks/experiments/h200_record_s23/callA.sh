#!/usr/bin/env bash
# Session 23's H200 record, first of two back-to-back calls (device, repository root, carry
# .stage: the first part of the vLLM bundle + SHA256SUMS): stage the part, then build the
# extension and run every GPU test on that build (scripts/device_check.sh without the benchmark;
# the suite is cut at TEST_TIMEOUT, default 520 s, inside the call's 600 s).
# Usage: OUT=dir bash benchmarks/experiments/h200_record_s23/callA.sh
set -uo pipefail
mkdir -p /tmp/vllm-stage && cp -f .stage/* /tmp/vllm-stage/
SKIP_BENCH=1 TEST_TIMEOUT=${TEST_TIMEOUT:-520} bash scripts/device_check.sh
