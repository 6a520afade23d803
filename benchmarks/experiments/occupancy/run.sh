#!/usr/bin/env bash
# Occupancy experiment for the fused decode kernel (device, repo root): rebuild the extension with
# each register cap / activation-staging variant and time M = 1, 4, 16 for b = 3, 4, 8, all in one
# process per variant, cuBLAS fp16 in the same run. Writes $OUT/<variant>.json and a table.
# Usage: OUT=dir bash benchmarks/experiments/occupancy/run.sh
set -uo pipefail
OUT=${OUT:-device_out}
mkdir -p "$OUT"
export PYTHONPATH=$PWD${PYTHONPATH:+:$PYTHONPATH} ANYPREC_BUILD_CUDA=1 ANYPREC_CUDA_ARCHS=90a MAX_JOBS=16
# Variants "name:nvcc flags" as arguments; without arguments, the register-cap study.
declare -a VARIANTS=(
  "v4_default:"
  "minblocks3:-DANYPREC_MIN_BLOCKS=3"
  "minblocks3_xsub:-DANYPREC_MIN_BLOCKS=3 -DANYPREC_X_CHUNK=false"
  "minblocks3_xsub_w24:-DANYPREC_MIN_BLOCKS=3 -DANYPREC_X_CHUNK=false -DANYPREC_WARPS_PER_SM=24"
)
[ $# -gt 0 ] && VARIANTS=("$@")
MS=${MS:-1,4,16}
BITS=${BITS:-3,4,8}
TMP=$(mktemp -d)
for v in "${VARIANTS[@]}"; do
  name=${v%%:*}; flags=${v#*:}
  rm -rf build vllm_anyprec/_C*.so
  if ! ANYPREC_NVCC_FLAGS="$flags" python3 setup.py build_ext --inplace > "$TMP/build.log" 2>&1; then
    echo "$name: build failed"; tail -5 "$TMP/build.log"; continue
  fi
  timeout 150 python3 scripts/bench_kernels.py --out "$TMP/$name" --bits "$BITS" --ms "$MS" \
    > "$TMP/$name.log" 2>&1 || { echo "$name: bench failed"; tail -5 "$TMP/$name.log"; }
  cp "$TMP/$name"/*.json "$OUT/$name.json"
done
python3 - "$OUT" "${VARIANTS[@]}" <<'PY' | tee "$OUT/table.txt"
import json, sys
out, names = sys.argv[1], [v.split(":")[0] for v in sys.argv[2:]]
runs = {n: {(r["K"], r["N"], r["M"], r["scheme"], r["bits"]): r for r in json.load(open(f"{out}/{n}.json"))
            if r["dtype"] == "float16"} for n in names}
print("K N M scheme bits fp16_us " + " ".join(names))
for k in runs[names[0]]:
    print(*k, f"{runs[names[0]][k]['fp16_us']:.1f}", *(f"{runs[n][k]['us']:.1f}" for n in names))
PY
