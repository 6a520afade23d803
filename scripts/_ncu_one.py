import sys, torch, vllm_anyprec._C  # noqa
from vllm_anyprec.kernels import cuda_layout
scheme, bits, k, n, m = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
q = torch.randint(-2**31, 2**31 - 1, cuda_layout.tiled_shape(bits, n, k), dtype=torch.int32, device="cuda")
x = torch.randn(m, k, device="cuda").half()
if scheme == "uniform":
    s = torch.rand(n, k // 128, device="cuda").half(); z = s.clone()
    meta = cuda_layout.uniform_meta(s, z, bits, torch.float16, q.shape[0])
    f = lambda: torch.ops.anyprec.gemm_uniform(x, q, meta, s, z, bits, 128, k, n, 1 << 30)
else:
    lut = torch.randn(n, 2 ** bits, device="cuda").half()
    f = lambda: torch.ops.anyprec.gemm_lut(x, q, lut, bits, k, n, 1 << 30)
for _ in range(3):
    f()
torch.cuda.synchronize()
