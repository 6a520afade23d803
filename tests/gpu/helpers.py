"""Random anyprec layers in the canonical layout, and their reference results (fp32 on the GPU)."""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys

import torch

from vllm_anyprec import reference
from vllm_anyprec.format import num_groups
from vllm_anyprec.kernels import cuda_layout

# ||out - ref|| / ||ref|| bounds per activation dtype: fp32 accumulation, one rounding of the
# output (fp16 2^-11, bf16 2^-8), plus, for bf16 LUT, the rounding of the table to bf16.
REL_TOL = {torch.float16: 2e-3, torch.bfloat16: 1.2e-2}


def pytest_in_fresh_process(path, k: str, env: dict[str, str], *args: str):
    """pytest PATH -k K (quiet, stop at the first failure, no cache) in a new process with the
    variables env added: the kernels' run-time switches are read once per process."""
    cmd = [sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider", str(path),
           "-k", k, *args]
    return subprocess.run(cmd, env={**os.environ, **env}, capture_output=True, text=True,
                          timeout=600)


@dataclasses.dataclass
class Layer:
    scheme: str
    bits: int
    group_size: int
    n: int
    k: int
    qweight: torch.Tensor  # canonical [b, N, Kw]
    scales: torch.Tensor | None = None
    zeros: torch.Tensor | None = None
    lut: torch.Tensor | None = None  # fp16 [N, 2^b]

    def dequant_ref(self, dtype=torch.float32) -> torch.Tensor:
        if self.scheme == "uniform":
            return reference.dequant_uniform(self.qweight, self.scales, self.zeros, self.bits,
                                             self.group_size, self.k, dtype)
        return reference.dequant_lut(self.qweight, self.lut, self.bits, self.k, dtype)

    def tiled(self) -> torch.Tensor:
        return cuda_layout.repack_tiled(self.qweight, self.bits, self.k)


def random_layer(scheme: str, bits: int, n: int, k: int, group_size: int = 128,
                 device: str = "cuda", seed: int = 0) -> Layer:
    g = torch.Generator(device="cpu").manual_seed(seed)
    codes = torch.randint(0, 2 ** bits, (n, k), generator=g)
    qweight = reference.pack_bitplanes(codes.to(device), bits)
    if scheme == "uniform":
        gs = group_size
        ng = num_groups(k, gs)
        scales = (torch.rand(n, ng, generator=g) * 0.02 + 0.005).half().to(device)
        zeros = (torch.rand(n, ng, generator=g) * (2 ** bits - 1)).half().to(device)
        return Layer(scheme, bits, gs, n, k, qweight, scales=scales, zeros=zeros)
    lut = (torch.randn(n, 2 ** bits, generator=g) * 0.02).half().to(device)
    return Layer(scheme, bits, -1, n, k, qweight, lut=lut)


def prepared(layer: Layer, dtype: torch.dtype):
    """(tiled qweight, extra tensors) as CudaFusedKernel.process_weights makes them: uniform
    (fold metadata, scales, zeros), lut (the table in the activation dtype,)."""
    tiled = layer.tiled()
    if layer.scheme == "uniform":
        meta = cuda_layout.uniform_meta(layer.scales, layer.zeros, layer.bits, dtype,
                                        tiled.shape[0])
        return tiled, (meta, layer.scales, layer.zeros)
    return tiled, (layer.lut.to(dtype).contiguous(),)


def gemm(layer: Layer, tiled, extra, x, dense_min_m: int, prefill_min_m: int = -1):
    """The layer's gemm op (extra as ``prepared`` makes it) with the given crossovers."""
    if layer.scheme == "uniform":
        meta, s, z = extra
        return torch.ops.anyprec.gemm_uniform(x, tiled, meta, s, z, layer.bits, layer.group_size,
                                              layer.k, layer.n, dense_min_m, prefill_min_m)
    return torch.ops.anyprec.gemm_lut(x, tiled, extra[0], layer.bits, layer.k, layer.n,
                                      dense_min_m, prefill_min_m)


def rel_err(out: torch.Tensor, ref: torch.Tensor) -> float:
    out, ref = out.double(), ref.double()
    assert torch.isfinite(out).all(), "non-finite output"
    return float((out - ref).norm() / ref.norm().clamp_min(1e-30))


def check_against_reference(layer: Layer, dtype: torch.dtype, ms, run, seed: int = 1) -> None:
    """For each M in ``ms``: random x [M, K] in ``dtype``; ``run(x)`` yields (label, output)
    pairs, each checked for shape, dtype and relative error against x @ W_ref^T (fp32) under
    REL_TOL. bf16 LUT kernels use the table rounded to bf16 (the mma takes bf16 operands): the
    reference then dequantizes to bf16 too."""
    w_ref = layer.dequant_ref(torch.float32)
    if layer.scheme == "lut" and dtype == torch.bfloat16:
        w_ref = layer.dequant_ref(torch.bfloat16).float()
    g = torch.Generator(device="cuda").manual_seed(seed)
    for m in ms:
        x = torch.randn(m, layer.k, device="cuda", generator=g).to(dtype)
        ref = x.float() @ w_ref.t()
        for label, out in run(x):
            assert out.shape == (m, layer.n) and out.dtype == dtype, (label, out.shape, out.dtype)
            err = rel_err(out, ref)
            assert err < REL_TOL[dtype], (
                f"{label}: {layer.scheme} b={layer.bits} gs={layer.group_size} N={layer.n} "
                f"K={layer.k} M={m} {dtype}: rel err {err:.2e}")


def check_graph_replay(run, xs, w: torch.Tensor) -> None:
    """run(x) once per input outside a graph (warm-up), then captured in a CUDA graph; the graph
    replayed twice with new inputs copied into xs and the captured outputs filled with NaN
    first, each output checked against x @ w^T (fp16 bound): a replay that wrote nothing, or
    read the inputs of the capture, fails."""
    for x in xs:
        run(x)
    torch.cuda.synchronize()
    graph = torch.cuda.CUDAGraph()
    with torch.cuda.graph(graph):
        outs = [run(x) for x in xs]
    for _ in range(2):
        for x in xs:
            x.copy_(torch.randn_like(x))
        for o in outs:
            o.fill_(float("nan"))
        graph.replay()
        torch.cuda.synchronize()
        for x, o in zip(xs, outs):
            assert rel_err(o, x.float() @ w.t()) < REL_TOL[torch.float16]
