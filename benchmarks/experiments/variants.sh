#!/usr/bin/env bash
# Kernel variants side by side, timed by prefill_wgmma/bench.py (device, repository root; one
# call): the tree as it is ("base") and one copy per NAME=FLAGS argument built with
# ANYPREC_NVCC_FLAGS=FLAGS, all built in parallel; TESTS (pytest arguments; default
# tests/gpu/test_prefill_wgmma.py) on each build; then bench.py in each (MS, BITS: its --ms /
# --bits; the grids in PLANS forced, default the 128- and 256-token grids unsplit) and
# compare_variants.py over them: per forced grid, and per row field in FIELDS (e.g. dense_us, the
# dequantize + cuBLAS path; prefill_us, the op's own plan); SCHEMES (bench.py's --schemes) limits
# the schemes timed.
# Usage: OUT=$OUT bash benchmarks/experiments/variants.sh plain="-DANYPREC_PREFILL_PLAIN"
# (the v12 A/B: base = the interleaved schedule, plain = the one before it; prefill_ilv/).
set -uo pipefail
OUT=${OUT:-device_out}
mkdir -p "$OUT/base"
nvidia-smi --query-gpu=name,clocks.sm,clocks.mem --format=csv | tee "$OUT/gpu.txt"
export ANYPREC_BUILD_CUDA=1 ANYPREC_CUDA_ARCHS=90a MAX_JOBS=$(( 16 / ($# + 1) + 1 ))
names=()
tree() { if [ "$1" = base ]; then echo "$PWD"; else echo "/tmp/$1"; fi; }  # a variant's tree
s=$(date +%s)
# (Every copy is made before any build starts: a copy taken mid-build could hold partial objects.)
for spec in "$@"; do
  name=${spec%%=*}
  case $name in ""|base|*/*|.*) echo "variants.sh: bad variant name '$name' in '$spec'" >&2; exit 2;; esac
  names+=("$name")
  mkdir -p "$OUT/$name"
  rm -rf "$(tree "$name")" && mkdir -p "$(tree "$name")" && cp -r . "$(tree "$name")/"
done
(python3 setup.py build_ext --inplace > "$OUT/base/build.log" 2>&1 || echo "base build failed") &
for spec in "$@"; do
  name=${spec%%=*} flags=${spec#*=}
  (cd "$(tree "$name")" && ANYPREC_NVCC_FLAGS="$flags" python3 setup.py build_ext --inplace \
    > "$OUT/$name/build.log" 2>&1 || echo "$name build failed") &
done
wait
echo "built in $(( $(date +%s) - s )) s"
for name in base "${names[@]}"; do
  d=$(tree "$name") s=$(date +%s)
  (cd "$d" && PYTHONPATH="$d" timeout 150 python3 -m pytest -q \
    -p no:cacheprovider ${TESTS:-tests/gpu/test_prefill_wgmma.py} > "$OUT/$name/tests.log" 2>&1)
  echo "$name tests rc=$? in $(( $(date +%s) - s )) s: $(tail -1 "$OUT/$name/tests.log")"
done
ARGS="--ms ${MS:-64,128,256,1024} --bits ${BITS:-3,4,8} --schemes ${SCHEMES:-uniform,lut}"
PLANS=${PLANS:-128x1,256x1}
ARGS="$ARGS --plans $PLANS --decode-max-m 0"
jsons=()
for name in base "${names[@]}"; do
  d=$(tree "$name") s=$(date +%s)
  (cd "$d" && PYTHONPATH="$d" timeout 200 python3 benchmarks/experiments/prefill_wgmma/bench.py \
    --out "$OUT/$name" $ARGS > "$OUT/$name/prefill_wgmma.log" 2>&1)
  echo "$name bench rc=$? in $(( $(date +%s) - s )) s"
  jsons+=("$OUT/$name/prefill_wgmma.json")
done
for plan in ${PLANS//,/ }; do
  python3 benchmarks/experiments/compare_variants.py --plan $plan "${jsons[@]}" \
    | tee "$OUT/compare_$plan.txt"
done
for field in ${FIELDS:-}; do
  python3 benchmarks/experiments/compare_variants.py --field "$field" "${jsons[@]}" \
    | tee "$OUT/compare_$field.txt"
done
