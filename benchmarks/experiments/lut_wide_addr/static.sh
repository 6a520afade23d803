#!/usr/bin/env bash
# The static effect of -DANYPREC_LUT_WIDE_ADDR=1 (CPU machine, nvcc and cuobjdump only): builds
# fused_gemm_b5..b8.cu for sm_90a with and without it and prints, per LUT decode kernel at
# b >= 5 (fused_gemm_kernel<T, b, MT, LUT, !XS, 8>), registers, spill bytes and the chunk
# loop's instructions / ALU cycles / FMA cycles (../sass/kernels.py), default -> flag. Then
# checks that the default build's SASS of those files equals the one of a tree without the
# flag's code, when BASE_TREE (a checkout before it) is given.
# Usage: bash benchmarks/experiments/lut_wide_addr/static.sh [BITS...]   (default 5 6 7 8)
set -euo pipefail
NVCC=${NVCC:-$(command -v nvcc || ls /usr/local/cuda*/bin/nvcc | head -1)}
PY=${PYTHON:-python3}
TORCH_INC=$($PY -c "import torch.utils.cpp_extension as c; print(c.include_paths()[0])")
FLAGS=(-D__CUDA_NO_HALF_OPERATORS__ -D__CUDA_NO_HALF_CONVERSIONS__
       -D__CUDA_NO_BFLOAT16_CONVERSIONS__ -D__CUDA_NO_HALF2_OPERATORS__ --expt-relaxed-constexpr
       -O3 -std=c++17 -gencode=arch=compute_90a,code=sm_90a -I"$TORCH_INC")
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
BITS=("${@:-5 6 7 8}")
read -ra BITS <<< "${BITS[*]}"
for b in "${BITS[@]}"; do
  "$NVCC" "${FLAGS[@]}" -cubin -o "$W/base$b.cubin" vllm_anyprec/csrc/fused_gemm_b$b.cu &
  "$NVCC" "${FLAGS[@]}" -DANYPREC_LUT_WIDE_ADDR=1 -cubin -o "$W/addr$b.cubin" \
    vllm_anyprec/csrc/fused_gemm_b$b.cu &
  if [ -n "${BASE_TREE:-}" ]; then
    "$NVCC" "${FLAGS[@]}" -cubin -o "$W/tree$b.cubin" "$BASE_TREE/vllm_anyprec/csrc/fused_gemm_b$b.cu" &
  fi
  wait
done
for b in "${BITS[@]}"; do
  echo "== b = $b (default -> ANYPREC_LUT_WIDE_ADDR=1)"
  $PY benchmarks/experiments/sass/kernels.py "$W/base$b.cubin" "$W/addr$b.cubin" \
    --match "fused_gemm_kernel<.*, $b, \\d, true, false, 8>"
  if [ -n "${BASE_TREE:-}" ]; then
    if cmp -s <(${CUOBJDUMP:-cuobjdump} -sass "$W/base$b.cubin") \
              <(${CUOBJDUMP:-cuobjdump} -sass "$W/tree$b.cubin"); then
      echo "default build: SASS identical to $BASE_TREE"
    else
      echo "default build: SASS DIFFERS from $BASE_TREE"
    fi
  fi
done
