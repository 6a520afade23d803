#!/usr/bin/env bash
# Session 23's H200 record, first of two back-to-back calls (device, repository root, carry
# .stage: the first part of the vLLM bundle + SHA256SUMS): stage the part, build the extension,
# run every GPU test on that build.
# Usage: OUT=dir bash benchmarks/experiments/h200_record_s23/callA.sh
set -uo pipefail
OUT=${OUT:-device_out}
mkdir -p "$OUT" /tmp/vllm-stage && cp -f .stage/* /tmp/vllm-stage/
nvidia-smi --query-gpu=name,driver_version --format=csv | tee "$OUT/gpu.txt"
export PYTHONPATH=$PWD ANYPREC_BUILD_CUDA=1 ANYPREC_CUDA_ARCHS=90a MAX_JOBS=16
t0=$(date +%s)
python3 setup.py build_ext --inplace > "$OUT/build.log" 2>&1 || { tail -20 "$OUT/build.log"; exit 1; }
echo "build: $(( $(date +%s) - t0 )) s"
t0=$(date +%s)
timeout ${TEST_TIMEOUT:-520} python3 -m pytest -q -p no:cacheprovider tests/gpu > "$OUT/pytest_all.log" 2>&1
echo "tests/gpu rc=$? in $(( $(date +%s) - t0 )) s"; tail -6 "$OUT/pytest_all.log"
