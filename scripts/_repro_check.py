import torch, vllm_anyprec._C  # noqa
from vllm_anyprec.kernels import cuda_layout
x = torch.randn(3, 320, device="cuda").half()
q = torch.zeros(cuda_layout.tiled_shape(4, 48, 320), dtype=torch.int32, device="cuda")
s = torch.ones(48, 5, device="cuda").half(); z = s.clone()
meta = cuda_layout.uniform_meta(s, z, 4, torch.float16, 3)
try:
    torch.ops.anyprec.dequant_uniform(q, s, z, 9, 64, 320, 48, torch.float16)
except RuntimeError as e:
    print("caught:", str(e)[:100])
try:
    torch.ops.anyprec.gemm_uniform(x[:, :300], q, meta, s, z, 4, 64, 320, 48, 64)
except RuntimeError as e:
    print("caught:", str(e)[:100])
