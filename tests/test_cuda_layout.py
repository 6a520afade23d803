"""The CUDA kernels' tiled layout, checked on the CPU: repack then the kernel's decode (emulated
bit for bit, in-register transposes included) gives back every code, for both layout variants."""

import pytest
import torch

from vllm_anyprec import reference
from vllm_anyprec.kernels import cuda_layout


@pytest.mark.parametrize("bits,n,k", [(2, 5, 33), (3, 33, 1000), (4, 37, 300), (5, 20, 100),
                                      (8, 16, 256), (8, 17, 520)])
def test_repack_then_kernel_decode_roundtrip(bits, n, k):
    g = torch.Generator().manual_seed(bits * 1000 + n)
    codes = torch.randint(0, 2 ** bits, (n, k), generator=g)
    qweight = reference.pack_bitplanes(codes, bits)
    tiled = cuda_layout.repack_tiled(qweight, bits, k)
    assert tiled.shape == cuda_layout.tiled_shape(bits, n, k)
    assert torch.equal(cuda_layout.decode_tiled(tiled, bits, n, k), codes)


def test_repack_reads_only_top_planes():
    codes = torch.randint(0, 256, (16, 64), generator=torch.Generator().manual_seed(0))
    qweight = reference.pack_bitplanes(codes, 8)
    tiled = cuda_layout.repack_tiled(qweight, 3, 64)
    assert torch.equal(cuda_layout.decode_tiled(tiled, 3, 16, 64), codes >> 5)


def test_uniform_meta_values():
    s = torch.tensor([[0.5, 0.25]] * 20).half()
    z = torch.tensor([[3.0, 7.5]] * 20).half()
    meta = cuda_layout.uniform_meta(s, z, 4, torch.float16, 2)
    assert meta.shape == (2, 2, 8, 4)
    # group 1, n-tile 0, lane row g=3: rows 3 and 11
    assert meta[1, 0, 3].tolist() == [0.25, -0.25 * (7.5 + 1024), 0.25, -0.25 * (7.5 + 1024)]
    assert meta[0, 1, 7].tolist() == [0.0, 0.0, 0.0, 0.0]  # rows 23 and 31 are padding (N=20)
