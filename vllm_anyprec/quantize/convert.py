"""HF model directory (fp16/bf16/fp32 safetensors) -> anyprec checkpoint directory."""

from __future__ import annotations

import json
from pathlib import Path

import torch
from tqdm import tqdm

from .. import format as fmt
from .. import reference
from ..checkpoint import iter_tensors, safetensors_files, write_checkpoint
from ..format import AnyPrecConfig, FormatError
from . import calibrate
from .lut import quantize_lut
from .uniform import quantize_uniform


def is_target(name: str, targets=fmt.DEFAULT_TARGET_SUFFIXES) -> bool:
    """Weights of the decoder blocks' linear layers (``...layers.<i>.<...>.<target>.weight``)."""
    parts = name.split(".")
    return (len(parts) >= 3 and parts[-1] == "weight" and parts[-2] in targets
            and "layers" in parts)


def quantize_linear(w: torch.Tensor, qcfg: AnyPrecConfig, act_sq: torch.Tensor | None = None
                    ) -> dict[str, torch.Tensor]:
    """One weight ``[N, K]`` -> its stored tensors, keyed by suffix.

    ``act_sq [K]``: the layer input's mean square per column (calibration), or None.
    """
    if qcfg.scheme == "uniform":
        codes, scales, zeros = quantize_uniform(w, qcfg, act_sq)
        return {fmt.QWEIGHT: reference.pack_bitplanes(codes, qcfg.parent_bits),
                fmt.SCALES: scales, fmt.ZEROS: zeros}
    codes, lut = quantize_lut(w, qcfg, act_sq)
    return {fmt.QWEIGHT: reference.pack_bitplanes(codes, qcfg.parent_bits), fmt.LUT: lut}


# ``calibration`` values: the default text (tail of the bundled wiki sample), or no calibration.
DEFAULT_CALIBRATION = "default"


def quantize_model(model_dir: str | Path, out_dir: str | Path, scheme: str = "uniform",
                   parent_bits: int = 8, min_bits: int = 3, group_size: int = 128,
                   w_bits: int = 4, targets=fmt.DEFAULT_TARGET_SUFFIXES,
                   calibration: str | Path | None = DEFAULT_CALIBRATION,
                   calib_tokens: int = calibrate.DEFAULT_TOKENS,
                   overwrite: bool = False, progress: bool = True) -> Path:
    """Quantize every target linear of an HF model directory into an anyprec checkpoint.

    ``calibration``: ``"default"`` (the tail of the bundled wiki sample, see ``calibrate.py``), a
    UTF-8 text file, or None for a data-free fit (every input column weighs the same; on SmolLM2
    that is far worse at 3-4 bits, see ``uniform.py``). ``calib_tokens`` tokens of it are run
    through the model once to weigh each input column by its mean square.
    """
    model_dir = Path(model_dir)
    if not (model_dir / "config.json").is_file():
        raise FormatError(f"{model_dir}: expected an HF model dir with config.json, not found")
    hf_config = json.loads((model_dir / "config.json").read_text())
    if "quantization_config" in hf_config:
        method = hf_config["quantization_config"].get("quant_method")
        raise FormatError(f"{model_dir}/config.json: expected an unquantized model, found "
                          f"quantization_config {method!r}")
    qcfg = AnyPrecConfig(scheme=scheme, parent_bits=parent_bits, min_bits=min_bits,
                         group_size=group_size if scheme == "uniform" else -1, w_bits=w_bits)
    if Path(out_dir).exists() and not overwrite:
        raise FileExistsError(f"{out_dir}: already exists (use --force to replace it)")
    safetensors_files(model_dir)
    act = {}
    if calibration is not None:
        text = calibrate.load_text(None if calibration == DEFAULT_CALIBRATION else calibration)
        act = calibrate.activation_stats(model_dir, text, targets, n_tokens=calib_tokens,
                                         is_target=is_target, progress=progress)
    weights = dict(iter_tensors(model_dir))
    out: dict[str, torch.Tensor] = {}
    shapes: dict[str, tuple[int, int]] = {}
    names = [n for n in weights if is_target(n, targets)]
    if not names:
        raise FormatError(f"{model_dir}: no linear weights named like "
                          f"'layers.<i>.<{'|'.join(targets)}>.weight' to quantize")
    for name, t in weights.items():
        if name not in names:
            out[name] = t.to(torch.float16) if t.is_floating_point() else t
    for name in tqdm(names, desc=f"quantize {scheme}", unit="layer", disable=not progress):
        prefix = name[: -len(".weight")]
        w = weights.pop(name)
        if w.dim() != 2:
            raise FormatError(f"{name}: expected a 2-D weight, got shape {list(w.shape)}")
        if not torch.isfinite(w).all():
            raise FormatError(f"{name}: expected finite weights, found NaN or inf")
        if calibration is not None and name not in act:
            raise FormatError(f"{name}: no calibration statistics (the model never ran it)")
        for suffix, t in quantize_linear(w, qcfg, act.get(name)).items():
            out[f"{prefix}.{suffix}"] = t
        shapes[prefix] = tuple(w.shape)
    return write_checkpoint(out_dir, out, hf_config, qcfg, shapes, copy_files_from=model_dir,
                            overwrite=overwrite)
