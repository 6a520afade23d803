#!/usr/bin/env bash
# The static effect of build flags (CPU machine, nvcc and cuobjdump only): builds
# fused_gemm_bB.cu for sm_90a without and with FLAGS for each B and prints, per kernel whose
# printed name matches MATCH (with B for {b}), registers, spill bytes and the largest loop's
# instructions / ALU cycles / FMA cycles (kernels.py), default -> flagged. With BASE_TREE (a
# checkout before the flags' code) it also checks that the default build's SASS equals that
# tree's. With KEEP=DIR the cubins (baseB.cubin, newB.cubin) and their ptxas -v logs (.log) stay
# in DIR, e.g. for ../x_full/static.py's table.
# Usage: FLAGS="-DANYPREC_X=1" BITS="5 8" MATCH='fused_gemm_kernel<.*, {b}, \d, true' \
#          [BASE_TREE=DIR] [KEEP=DIR] bash benchmarks/experiments/sass/ab_static.sh
set -euo pipefail
: "${FLAGS:?FLAGS: the nvcc -D flags to compare against the default build}"
NVCC=${NVCC:-$(command -v nvcc || ls /usr/local/cuda*/bin/nvcc | head -1)}
PY=${PYTHON:-python3}
# The extension build's device flags: torch's CUDAExtension defaults, then setup.py's, for
# sm_90a alone (torch's include path for the headers anyprec.cuh pulls in).
read -ra BASE <<< "$($PY -c "import torch.utils.cpp_extension as c
print(*c.COMMON_NVCC_FLAGS, '-O3 -std=c++17 -gencode=arch=compute_90a,code=sm_90a',
      '-I' + c.include_paths()[0])")"
read -ra EXTRA <<< "$FLAGS"
read -ra BS <<< "${BITS:-4 5 6 7 8}"
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
if [ -n "${KEEP:-}" ]; then
  W=$KEEP
  mkdir -p "$W"
else
  W=$(mktemp -d)
  trap 'rm -rf "$W"' EXIT
fi
for b in "${BS[@]}"; do
  "$NVCC" "${BASE[@]}" -Xptxas -v -cubin -o "$W/base$b.cubin" \
    vllm_anyprec/csrc/fused_gemm_b$b.cu 2> "$W/base$b.log" &
  "$NVCC" "${BASE[@]}" "${EXTRA[@]}" -Xptxas -v -cubin -o "$W/new$b.cubin" \
    vllm_anyprec/csrc/fused_gemm_b$b.cu 2> "$W/new$b.log" &
  if [ -n "${BASE_TREE:-}" ]; then
    "$NVCC" "${BASE[@]}" -cubin -o "$W/tree$b.cubin" "$BASE_TREE/vllm_anyprec/csrc/fused_gemm_b$b.cu" &
  fi
  wait
done
for b in "${BS[@]}"; do
  echo "== b = $b (default -> $FLAGS)"
  $PY "$HERE/kernels.py" "$W/base$b.cubin" "$W/new$b.cubin" --match "${MATCH//\{b\}/$b}"
  if [ -n "${BASE_TREE:-}" ]; then
    if cmp -s <(${CUOBJDUMP:-cuobjdump} -sass "$W/base$b.cubin") \
              <(${CUOBJDUMP:-cuobjdump} -sass "$W/tree$b.cubin"); then
      echo "default build: SASS identical to $BASE_TREE"
    else
      echo "default build: SASS DIFFERS from $BASE_TREE"
    fi
  fi
done
