"""A plain transformers model holding anyprec weights dequantized by the reference.

It is the independent path that checks the vLLM engine (``ppl_wikitext.py --backend hf`` and the
tests): same checkpoint, same reference dequantization, transformers' own modelling code.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Callable

import torch

from . import format as fmt
from . import reference
from .checkpoint import iter_tensors, read_layer_shapes


def _build(config: dict, dtype: torch.dtype):
    from transformers import AutoModelForCausalLM, CONFIG_MAPPING

    config = {k: v for k, v in config.items() if k != "quantization_config"}
    hf_cfg = CONFIG_MAPPING[config["model_type"]].from_dict(config)
    return AutoModelForCausalLM.from_config(hf_cfg, dtype=dtype)


def _load(model, state: dict[str, torch.Tensor], dtype: torch.dtype):
    missing, unexpected = model.load_state_dict({k: v.to(dtype) for k, v in state.items()},
                                                strict=False)
    tied = getattr(model.config, "tie_word_embeddings", False)
    missing = [m for m in missing if not (tied and m == "lm_head.weight")]
    if missing or unexpected:
        raise fmt.FormatError(f"checkpoint does not fit the model: missing {missing[:5]}, "
                              f"unexpected {unexpected[:5]}")
    if tied:
        model.tie_weights()
    return model.eval()


def dequantized_state_dict(quant_dir: str | Path, bits: int | None = None
                           ) -> dict[str, torch.Tensor]:
    """Dense fp32 state dict of an anyprec checkpoint at ``bits`` (default: its w_bits)."""
    qcfg = fmt.read_quant_config(quant_dir)
    bits = qcfg.w_bits if bits is None else bits
    qcfg.with_bits(bits)  # validates the range
    shapes = read_layer_shapes(quant_dir)
    tensors = dict(iter_tensors(quant_dir))
    state = {}
    for prefix, (n, k) in shapes.items():
        qweight = tensors.pop(f"{prefix}.{fmt.QWEIGHT}")
        if qcfg.scheme == "uniform":
            i = bits - qcfg.min_bits
            w = reference.dequant_uniform(qweight, tensors.pop(f"{prefix}.{fmt.SCALES}")[i],
                                          tensors.pop(f"{prefix}.{fmt.ZEROS}")[i], bits,
                                          qcfg.group_size, k)
        else:
            lut = reference.select_lut(tensors.pop(f"{prefix}.{fmt.LUT}"), bits, qcfg.min_bits)
            w = reference.dequant_lut(qweight, lut, bits, k)
        state[f"{prefix}.weight"] = w
    state.update(tensors)
    return state


def load_hf_model(quant_dir: str | Path, bits: int | None = None,
                  dtype: torch.dtype = torch.float32):
    """transformers model of an anyprec checkpoint, dequantized at ``bits``."""
    config = json.loads((Path(quant_dir) / "config.json").read_text())
    return _load(_build(config, dtype), dequantized_state_dict(quant_dir, bits), dtype)


def load_fake_quant_model(model_dir: str | Path, fn: Callable[[torch.Tensor], torch.Tensor],
                          dtype: torch.dtype = torch.float32, targets=fmt.DEFAULT_TARGET_SUFFIXES):
    """transformers model of an unquantized dir with ``fn`` applied to every target linear weight
    (fake quantization, e.g. independent RTN as a baseline)."""
    from .quantize.convert import is_target

    config = json.loads((Path(model_dir) / "config.json").read_text())
    state = {n: (fn(t.float()) if is_target(n, targets) else t)
             for n, t in iter_tensors(model_dir)}
    return _load(_build(config, dtype), state, dtype)
