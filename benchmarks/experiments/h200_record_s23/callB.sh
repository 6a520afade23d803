#!/usr/bin/env bash
# Session 23's H200 record, second call (device, repository root, carry .stage2: the bundle's
# second part + install-on-device.sh; callA.sh staged the first): install vLLM 0.26, run
# scripts/bench_kernels.py (the record) and the vLLM smoke (torch.compile + CUDA graphs) on the
# build callA made (rebuilt if the machine is new; REBUILD=1: always, incrementally, e.g. after a
# default changed between the calls).
# Usage: OUT=dir [REBUILD=1] bash benchmarks/experiments/h200_record_s23/callB.sh
set -uo pipefail
OUT=${OUT:-device_out}
mkdir -p "$OUT" /tmp/vllm-stage && cp -f .stage2/* /tmp/vllm-stage/
bash /tmp/vllm-stage/install-on-device.sh > "$OUT/install.log" 2>&1; tail -3 "$OUT/install.log"
export PYTHONPATH=/tmp/vllm-site:$PWD VLLM_USE_FLASHINFER_SAMPLER=0
export ANYPREC_BUILD_CUDA=1 ANYPREC_CUDA_ARCHS=90a MAX_JOBS=16
{ [ "${REBUILD:-0}" != 1 ] && ls vllm_anyprec/_C*.so > /dev/null 2>&1; } \
  || python3 setup.py build_ext --inplace > "$OUT/build.log" 2>&1 \
  || { tail -20 "$OUT/build.log"; exit 1; }
t0=$(date +%s)
python3 scripts/bench_kernels.py --out "$OUT" > "$OUT/bench.log" 2>&1
echo "bench rc=$? in $(( $(date +%s) - t0 )) s"; tail -30 "$OUT/bench.log"
timeout 180 python3 scripts/vllm_gpu_smoke.py --scheme uniform --bits 3 > "$OUT/smoke.log" 2>&1
echo "smoke rc=$?"; tail -3 "$OUT/smoke.log"
