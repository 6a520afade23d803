# (sourced by final.sh and tests.sh) The decode tests session 51's defaults touch: every fold at
# M = 1..16, odd shapes, the Llama shapes, graphs, opcheck. Usage: fold_decode_tests LOG SECONDS
fold_decode_tests() {
  ab_pytest "$1" "$2" tests/gpu/test_cuda_kernels.py -k "every_fold or m1_long_k or \
mt2_cap_rule or (all_m_odd_shape and uniform) or llama_shapes or odd_n_k or graph or opcheck"
}
