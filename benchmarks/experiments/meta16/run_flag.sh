#!/usr/bin/env bash
# 16-bit fold metadata as a build flag, A/B in one call (device, repository root): builds the
# tree (fp32 table) and a copy with ANYPREC_NVCC_FLAGS=-DANYPREC_META16=1 in parallel, checks
# that the copy reports META_BITS = 16 and passes tests/gpu (the M = 1 switches for stream-K
# and PT included), then times uniform M = 1 and 16 on the Llama-3-8B weights and the TP = 2
# gate/up, each build twice in alternation. Then, for the launch rules on the 16-bit build, the
# PT sweep (../decode_pt/sweep.sh) can run in the copy.
# Usage: OUT=dir [M16_BUILD=0] [M16_TESTS=0] bash benchmarks/experiments/meta16/run_flag.sh
set -uo pipefail
source benchmarks/experiments/ab_lib.sh
ab_init meta16_flag
# Both builds are kept from an earlier call on the same machine (M16_BUILD=0), and the tests
# can wait for a later call (M16_TESTS=0).
[ "${M16_BUILD:-1}" = 1 ] && bash benchmarks/experiments/build_pair.sh "$OUT" m16 "-DANYPREC_META16=1"
(cd /tmp/m16 && PYTHONPATH=/tmp/m16 python3 -c "import torch, vllm_anyprec._C as c; print('META16_MASK', c.META16_MASK)")
T=skipped
if [ "${M16_TESTS:-1}" = 1 ]; then
  T=$(cd /tmp/m16 && PYTHONPATH=/tmp/m16 timeout 240 python3 -m pytest -q -x tests/gpu \
      -k "not m1_kernel_switches or sk2 or pt2g3" 2>&1 | tail -3)
fi
echo "$T" > "$RUNS/tests_m16.txt"
ARGS=(--ms 1,16 --schemes uniform --shapes 4096x6144,4096x4096,4096x28672,14336x4096,4096x14336)
ab_bench f32a . -- "${ARGS[@]}"
ab_bench m16a /tmp/m16 -- "${ARGS[@]}"
ab_bench m16b /tmp/m16 -- "${ARGS[@]}"
ab_bench f32b . -- "${ARGS[@]}"
ab_report f32a f32b m16a m16b
echo "tests (META16 build): $T"
