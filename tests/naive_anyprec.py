"""A naive round-to-nearest anyprec checkpoint writer for the vLLM tests, and the HF-side oracle.

It exists so the vLLM tests do not depend on the real quantizer (``vllm_anyprec.quantize``): the
codes come from plain min/max RTN at ``parent_bits``, and every lower precision truncates them
(``q_b = q >> (P - b)``) with scales/zeros (or tables) that put each b-bit level at the centre of
the parent levels it covers. Quality is poor but the format is exact, which is all these tests need.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import torch
from safetensors.torch import load_file, save_file

from vllm_anyprec import format as fmt
from vllm_anyprec import reference

FP16_MIN_NORMAL = 6.2e-5  # scales below this lose precision in fp16; 0 is invalid


def _rtn_parent(w: torch.Tensor, parent_bits: int, group_size: int):
    """Asymmetric min/max RTN per group -> codes [N, K], scale and zero [N, G] (fp32)."""
    n, k = w.shape
    gs = k if group_size == -1 else group_size
    g = fmt.num_groups(k, group_size)
    pad = g * gs - k
    wp = torch.nn.functional.pad(w, (0, pad)).view(n, g, gs)
    # Padding columns must not widen the range: use the real columns' min/max.
    mask = torch.ones(g * gs, dtype=torch.bool)
    mask[k:] = False
    mask = mask.view(1, g, gs)
    wmin = torch.where(mask, wp, torch.inf).amin(-1).clamp(max=0)
    wmax = torch.where(mask, wp, -torch.inf).amax(-1).clamp(min=0)
    levels = 2 ** parent_bits - 1
    s = ((wmax - wmin) / levels).clamp(min=FP16_MIN_NORMAL)
    s = s.half().float()  # the stored scale is fp16: quantize with what will be read back
    z = (-wmin / s).round().clamp(0, levels)
    q = (wp / s.unsqueeze(-1) + z.unsqueeze(-1)).round().clamp(0, levels)
    q = q.view(n, g * gs)[:, :k].to(torch.int64)
    return q, s, z


def quantize_linear(w: torch.Tensor, scheme: str, parent_bits: int, min_bits: int,
                    group_size: int) -> dict[str, torch.Tensor]:
    w = w.float()
    gs = group_size if scheme == "uniform" else -1
    q, s, z = _rtn_parent(w, parent_bits, gs)
    out = {fmt.QWEIGHT: reference.pack_bitplanes(q, parent_bits)}
    if scheme == "uniform":
        scales, zeros = [], []
        for b in range(min_bits, parent_bits + 1):
            step = 2 ** (parent_bits - b)
            scales.append(s * step)
            # level c of q_b covers parent codes [c*step, (c+1)*step): its centre is c*step+(step-1)/2
            zeros.append(z / step - (step - 1) / (2 * step))
        out[fmt.SCALES] = torch.stack(scales).half()
        out[fmt.ZEROS] = torch.stack(zeros).half()
    else:
        tables = []
        for b in range(min_bits, parent_bits + 1):
            step = 2 ** (parent_bits - b)
            c = torch.arange(2 ** b, dtype=torch.float32)
            centre = c * step + (step - 1) / 2
            tables.append(s[:, :1] * (centre.unsqueeze(0) - z[:, :1]))
        out[fmt.LUT] = torch.cat(tables, dim=1).half()
    return out


def write_checkpoint(src: Path, dst: Path, scheme: str, parent_bits: int = 8, min_bits: int = 3,
                     group_size: int = 128, w_bits: int = 8) -> Path:
    """fp16 HF dir ``src`` -> anyprec dir ``dst`` (written to a temp dir, then renamed)."""
    src, dst = Path(src), Path(dst)
    cfg = fmt.AnyPrecConfig(scheme=scheme, parent_bits=parent_bits, min_bits=min_bits,
                            group_size=group_size if scheme == "uniform" else -1, w_bits=w_bits)
    state = {}
    for f in sorted(src.glob("*.safetensors")):
        state.update(load_file(f))
    out = {}
    for name, t in state.items():
        layer = name.rsplit(".", 1)[0]
        if (name.endswith(".weight") and t.dim() == 2
                and layer.rsplit(".", 1)[-1] in fmt.DEFAULT_TARGET_SUFFIXES
                and fmt.is_quantized_layer(layer, cfg)):
            for suffix, qt in quantize_linear(t, scheme, parent_bits, min_bits,
                                              cfg.group_size).items():
                out[f"{layer}.{suffix}"] = qt.contiguous()
        else:
            out[name] = t.contiguous()
    tmp = dst.with_name(dst.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    for f in src.iterdir():
        if f.is_file() and f.suffix != ".safetensors" and f.name != "config.json":
            shutil.copy(f, tmp / f.name)
    config = json.loads((src / "config.json").read_text())
    config["quantization_config"] = cfg.to_dict()
    (tmp / "config.json").write_text(json.dumps(config, indent=2))
    save_file(out, str(tmp / "model.safetensors"), metadata={"format": "pt"})
    shutil.rmtree(dst, ignore_errors=True)
    tmp.rename(dst)
    return dst


def dequantized_state_dict(ckpt: Path, bits: int, dtype=torch.float32) -> dict[str, torch.Tensor]:
    """The HF state dict of the b-bit model: every quantized layer's ``weight`` from the oracle."""
    ckpt = Path(ckpt)
    cfg = fmt.read_quant_config(ckpt).with_bits(bits)
    state = {}
    for f in sorted(ckpt.glob("*.safetensors")):
        state.update(load_file(f))
    out = {}
    for name, t in state.items():
        layer, _, suffix = name.rpartition(".")
        if suffix == fmt.QWEIGHT:
            i = bits - cfg.min_bits
            in_features = _in_features(ckpt, layer, t)
            if cfg.scheme == "uniform":
                w = reference.dequant_uniform(t, state[f"{layer}.scales"][i],
                                              state[f"{layer}.zeros"][i], bits, cfg.group_size,
                                              in_features)
            else:
                w = reference.dequant_lut(t, reference.select_lut(state[f"{layer}.lut"], bits,
                                                                  cfg.min_bits),
                                          bits, in_features)
            out[f"{layer}.weight"] = w.to(dtype)
        elif suffix in (fmt.SCALES, fmt.ZEROS, fmt.LUT):
            continue
        else:
            out[name] = t.to(dtype) if t.is_floating_point() else t
    return out


def _in_features(ckpt: Path, layer: str, qweight: torch.Tensor) -> int:
    """K of a Llama projection, from config.json (the bitplanes only give ceil(K/32))."""
    config = json.loads((Path(ckpt) / "config.json").read_text())
    if layer.endswith("down_proj"):
        return config["intermediate_size"]
    if layer.endswith("o_proj"):
        return config["num_attention_heads"] * config.get(
            "head_dim", config["hidden_size"] // config["num_attention_heads"])
    return config["hidden_size"]


def hf_model(ckpt: Path, bits: int, dtype=torch.float32):
    """An HF LlamaForCausalLM holding the b-bit dequantized weights of ``ckpt``."""
    from transformers import AutoConfig, AutoModelForCausalLM

    config = AutoConfig.from_pretrained(ckpt)
    if hasattr(config, "quantization_config"):
        del config.quantization_config
    model = AutoModelForCausalLM.from_config(config, torch_dtype=dtype)
    missing, unexpected = model.load_state_dict(dequantized_state_dict(ckpt, bits, dtype),
                                                strict=False)
    missing = [m for m in missing if m != "lm_head.weight"]  # tied embeddings
    if missing or unexpected:
        raise ValueError(f"{ckpt}: state dict mismatch, missing {missing}, "
                         f"unexpected {unexpected}")
    model.tie_weights()
    return model.eval()
