"""The anyprec checkpoint format, version 1: the one place that says what is stored.

A checkpoint is a Hugging Face model directory: ``config.json`` with a ``quantization_config``
block, ``*.safetensors`` files, tokenizer files. Every quantized linear layer ``P`` (e.g.
``model.layers.0.self_attn.q_proj``) stores, instead of ``P.weight``:

``P.qweight``  int32 ``[parent_bits, N, ceil(K / 32)]``
    Bitplanes of the parent code ``q`` (unsigned, ``parent_bits`` wide) of every weight ``W[n, k]``.
    Plane ``p`` holds bit ``parent_bits - 1 - p`` of ``q`` (plane 0 is the most significant), so
    the b-bit model is planes ``0..b-1`` and its code is ``q >> (parent_bits - b)``.
    Inside a plane, element ``k`` lives in word ``k // 32`` at bit ``k % 32`` (LSB first; the int32
    is that bit pattern reinterpreted). Columns ``k >= K`` are padding and hold zero bits.
    This order is canonical: it is sliced along N (dim 1) and along K (dim 2, in words) for tensor
    parallelism. A kernel's own permutation is applied after loading, never stored.

Uniform scheme (``scheme == "uniform"``): ``W[n, k] ≈ s_b[n, g] * (q_b[n, k] - z_b[n, g])`` with
``g = k // group_size`` (the last group may be ragged when K is not a multiple of it).

``P.scales``  float16 ``[num_bits, N, G]``   row ``b - min_bits`` is ``s_b``
``P.zeros``   float16 ``[num_bits, N, G]``   row ``b - min_bits`` is ``z_b`` (in b-bit code units;
    fractional: each slice is re-fitted, see ``quantize/uniform.py``, so ``z_b`` is not a shifted
    copy of the parent's zero point)

LUT scheme (``scheme == "lut"``): ``W[n, k] ≈ LUT_b[n][q_b[n, k]]``.

``P.lut``  float16 ``[N, 2**(parent_bits + 1) - 2**min_bits]``: the tables of every supported b,
    concatenated along dim 1; ``LUT_b`` is columns ``[2**b - 2**min_bits, 2**(b+1) - 2**min_bits)``.
    One tensor (rather than one per b) keeps the set of parameter names fixed whatever b is served.

Here ``num_bits = parent_bits - min_bits + 1`` and ``G = ceil(K / group_size)`` (1 if group_size is
-1). Layers that are not quantized (``lm_head``, embeddings, norms) keep their usual tensors.
"""

from __future__ import annotations

import dataclasses
import json
import math
from pathlib import Path
from typing import Any, Mapping

import torch

FORMAT_VERSION = 1
QUANT_METHOD = "anyprec"
SCHEMES = ("uniform", "lut")
MAX_BITS = 8
MIN_SUPPORTED_BITS = 2
PACK_WIDTH = 32  # elements per int32 word along K

# Suffixes of the tensors a quantized linear layer stores, per scheme.
QWEIGHT = "qweight"
SCALES = "scales"
ZEROS = "zeros"
LUT = "lut"
TENSOR_SUFFIXES = {"uniform": (QWEIGHT, SCALES, ZEROS), "lut": (QWEIGHT, LUT)}

# The linear layers of a Llama-style decoder block that the quantizer converts by default.
DEFAULT_TARGET_SUFFIXES = (
    "q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj",
)


class FormatError(ValueError):
    """A checkpoint or config does not follow the anyprec format. The message names the culprit."""


@dataclasses.dataclass(frozen=True)
class AnyPrecConfig:
    """The ``quantization_config`` block of config.json."""

    scheme: str
    parent_bits: int
    min_bits: int
    group_size: int  # uniform only; -1 = one group per output row. Stored as -1 for lut.
    w_bits: int  # default precision served when the user does not choose one
    format_version: int = FORMAT_VERSION
    modules_to_not_convert: tuple[str, ...] = ("lm_head",)

    def __post_init__(self) -> None:
        self.validate()

    @property
    def num_bits(self) -> int:
        return self.parent_bits - self.min_bits + 1

    @property
    def supported_bits(self) -> tuple[int, ...]:
        return tuple(range(self.min_bits, self.parent_bits + 1))

    def validate(self) -> None:
        def bad(key: str, expected: str, actual: Any) -> FormatError:
            return FormatError(f"quantization_config.{key}: expected {expected}, got {actual!r}")

        if self.format_version != FORMAT_VERSION:
            raise bad("format_version", str(FORMAT_VERSION), self.format_version)
        if self.scheme not in SCHEMES:
            raise bad("scheme", " or ".join(SCHEMES), self.scheme)
        for key in ("parent_bits", "min_bits", "w_bits", "group_size"):
            if not isinstance(getattr(self, key), int) or isinstance(getattr(self, key), bool):
                raise bad(key, "an integer", getattr(self, key))
        if not MIN_SUPPORTED_BITS <= self.parent_bits <= MAX_BITS:
            raise bad("parent_bits", f"{MIN_SUPPORTED_BITS}..{MAX_BITS}", self.parent_bits)
        if not MIN_SUPPORTED_BITS <= self.min_bits <= self.parent_bits:
            raise bad("min_bits", f"{MIN_SUPPORTED_BITS}..parent_bits={self.parent_bits}",
                      self.min_bits)
        if not self.min_bits <= self.w_bits <= self.parent_bits:
            raise bad("w_bits", f"{self.min_bits}..{self.parent_bits} (stored bits)", self.w_bits)
        if self.scheme == "uniform":
            if self.group_size != -1 and (self.group_size < PACK_WIDTH
                                          or self.group_size % PACK_WIDTH):
                raise bad("group_size", f"-1 or a positive multiple of {PACK_WIDTH}",
                          self.group_size)
        elif self.group_size != -1:
            raise bad("group_size", "-1 for the lut scheme", self.group_size)

    def with_bits(self, w_bits: int) -> "AnyPrecConfig":
        return dataclasses.replace(self, w_bits=w_bits)

    def to_dict(self) -> dict[str, Any]:
        return {
            "quant_method": QUANT_METHOD,
            "format_version": self.format_version,
            "scheme": self.scheme,
            "parent_bits": self.parent_bits,
            "min_bits": self.min_bits,
            "group_size": self.group_size,
            "w_bits": self.w_bits,
            "modules_to_not_convert": list(self.modules_to_not_convert),
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> "AnyPrecConfig":
        if d.get("quant_method") != QUANT_METHOD:
            raise FormatError(f"quantization_config.quant_method: expected {QUANT_METHOD!r}, "
                              f"got {d.get('quant_method')!r}")
        missing = [k for k in ("format_version", "scheme", "parent_bits", "min_bits", "w_bits")
                   if k not in d]
        if missing:
            raise FormatError(f"quantization_config: missing key(s) {missing}")
        return cls(
            scheme=d["scheme"],
            parent_bits=d["parent_bits"],
            min_bits=d["min_bits"],
            group_size=d.get("group_size", -1),
            w_bits=d["w_bits"],
            format_version=d["format_version"],
            modules_to_not_convert=tuple(d.get("modules_to_not_convert", ("lm_head",))),
        )


def num_words(in_features: int) -> int:
    return math.ceil(in_features / PACK_WIDTH)


def num_groups(in_features: int, group_size: int) -> int:
    return 1 if group_size == -1 else math.ceil(in_features / group_size)


def lut_width(parent_bits: int, min_bits: int) -> int:
    return 2 ** (parent_bits + 1) - 2 ** min_bits


def lut_columns(bits: int, min_bits: int) -> slice:
    """Columns of the concatenated ``lut`` tensor that hold the table of precision ``bits``."""
    return slice(2 ** bits - 2 ** min_bits, 2 ** (bits + 1) - 2 ** min_bits)


def expected_shapes(cfg: AnyPrecConfig, out_features: int, in_features: int
                    ) -> dict[str, tuple[tuple[int, ...], torch.dtype]]:
    """Shape and dtype of every tensor a quantized linear of this size stores, keyed by suffix."""
    shapes = {QWEIGHT: ((cfg.parent_bits, out_features, num_words(in_features)), torch.int32)}
    if cfg.scheme == "uniform":
        g = num_groups(in_features, cfg.group_size)
        shapes[SCALES] = ((cfg.num_bits, out_features, g), torch.float16)
        shapes[ZEROS] = ((cfg.num_bits, out_features, g), torch.float16)
    else:
        shapes[LUT] = ((out_features, lut_width(cfg.parent_bits, cfg.min_bits)), torch.float16)
    return shapes


def validate_layer(cfg: AnyPrecConfig, prefix: str, tensors: Mapping[str, torch.Tensor],
                   out_features: int, in_features: int) -> None:
    """Check one layer's tensors (keyed by suffix) against the spec; raise naming the tensor."""
    for suffix, (shape, dtype) in expected_shapes(cfg, out_features, in_features).items():
        name = f"{prefix}.{suffix}"
        if suffix not in tensors:
            raise FormatError(f"{name}: missing (scheme {cfg.scheme!r} stores it)")
        t = tensors[suffix]
        if t.dtype != dtype:
            raise FormatError(f"{name}: expected dtype {dtype}, got {t.dtype}")
        if tuple(t.shape) != shape:
            raise FormatError(f"{name}: expected shape {list(shape)}, got {list(t.shape)}")
        if t.dtype.is_floating_point and not torch.isfinite(t).all():
            raise FormatError(f"{name}: expected finite values, found NaN or inf")
    pad = num_words(in_features) * PACK_WIDTH - in_features
    if pad:
        last = tensors[QWEIGHT][..., -1]
        if (last.to(torch.int64) & ~((1 << (PACK_WIDTH - pad)) - 1) & 0xFFFFFFFF).any():
            raise FormatError(f"{prefix}.{QWEIGHT}: expected zero padding bits past K={in_features}"
                              f" in the last word, found set bits")
    if cfg.scheme == "uniform":
        if (tensors[SCALES] == 0).any():
            raise FormatError(f"{prefix}.{SCALES}: expected non-zero scales, found zeros")


def read_quant_config(model_dir: str | Path) -> AnyPrecConfig:
    path = Path(model_dir) / "config.json"
    if not path.is_file():
        raise FormatError(f"{path}: expected an HF config.json, file not found")
    cfg = json.loads(path.read_text())
    if "quantization_config" not in cfg:
        raise FormatError(f"{path}: expected a 'quantization_config' block, none found")
    return AnyPrecConfig.from_dict(cfg["quantization_config"])


def is_quantized_layer(prefix: str, cfg: AnyPrecConfig) -> bool:
    """Whether a linear layer (HF or vLLM name) is stored quantized, by the skip list."""
    parts = prefix.split(".")
    return not any(skip in parts or prefix.endswith(skip) for skip in cfg.modules_to_not_convert)
