# (sourced by final.sh and tests.sh) The decode tests session 51's defaults touch: every fold at
# M = 1..16, odd shapes, the Llama shapes, graphs, opcheck. Usage: fold_decode_tests LOG SECONDS
fold_decode_tests() {
  ab_pytest "$1" "$2" tests/gpu/test_cuda_kernels.py -k "every_fold or m1_long_k or \
mt2_cap_rule or (all_m_odd_shape and uniform) or llama_shapes or odd_n_k or graph or opcheck"
}
# The tree built (sm_90a), its layout constants and fold_decode_tests, packed after each step
# (after ab_rundir / ab_start). Usage: fold_build_and_test SECONDS
fold_build_and_test() {
  ab_build
  ab_constants . "$R/constants.txt"
  ab_pack
  fold_decode_tests "$R/tests_decode.log" "$1"
  ab_pack
}
