#!/usr/bin/env bash
# A/B of lean-kernel variants (device, repository root; ~3-4 min): the tree against one build per
# NAME=FLAGS spec, all built in parallel by ../variants.sh, the lean tests on each, the full and
# lean 64-token grids (64 x 1, 64 x 1 x 2) and the op's own plan timed at M = 17, 32, 64,
# uniform b = 2..6, the four Llama-3-8B weights. Everything in OUT/TAG.tgz.
# Usage: OUT=$OUT bash benchmarks/experiments/prefill_lean/lean_ab.sh TAG NAME=FLAGS ...
set -uo pipefail
OUT=${OUT:-device_out}
tag=$1
shift
R=/tmp/$tag && rm -rf "$R" && mkdir -p "$R"
OUT=$R PLANS=64x1,64x1x2 MS=17,32,64 BITS=2,3,4,5,6 SCHEMES=uniform FIELDS=prefill_us \
  TESTS="tests/gpu/test_prefill_wgmma.py -k lean" bash benchmarks/experiments/variants.sh "$@"
mkdir -p "$OUT" && tar czf "$OUT/$tag.tgz" -C "$R" .
