// Host definitions of the CUDA device intrinsics that anyprec.cuh's integer helpers call, so
// that g++ compiles those helpers as plain C++ (decode_host.cpp). Each follows the CUDA Math
// API's definition; the ones the tests rely on are checked against Python there.
#pragma once

#include <cuda_runtime.h>

#include <cstddef>
#include <cstdint>
#include <cstring>

// byte i of the result = byte (selector nibble i) of the 8 bytes y:x (x low); a selector
// nibble's bit 3 (sign-replicate mode) is not used by the helpers and is rejected here.
inline unsigned int __byte_perm(unsigned int x, unsigned int y, unsigned int s) {
  const uint64_t v = (uint64_t)y << 32 | x;
  unsigned int r = 0;
  for (int i = 0; i < 4; ++i) {
    const unsigned int sel = (s >> (4 * i)) & 0xFu;
    if (sel & 8u) __builtin_trap();
    r |= (unsigned int)((v >> (8 * sel)) & 0xFFu) << (8 * i);
  }
  return r;
}
inline unsigned int __umulhi(unsigned int a, unsigned int b) {
  return (unsigned int)(((uint64_t)a * b) >> 32);
}
// Declared for the shared-memory helpers that g++ parses but decode_host never calls (the
// SIMT emulator, simt.h, defines the real one).
#ifndef ANYPREC_HOST_SIMT
inline size_t __cvta_generic_to_shared(const void*) { return 0; }
#endif
inline float __uint_as_float(unsigned int u) {
  float f;
  std::memcpy(&f, &u, 4);
  return f;
}
