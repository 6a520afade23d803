"""vLLM ``QuantizationConfig`` for anyprec checkpoints, and the load-time precision flag.

Precision flag
--------------
By default vLLM serves the checkpoint at its ``quantization_config.w_bits``. To serve it at ``b``
bits (any of the stored ``min_bits..parent_bits``), override ``w_bits`` through vLLM's
``hf_overrides``; nothing else changes, the same checkpoint directory is read::

    LLM(model=CKPT, quantization="anyprec", hf_overrides={"quantization_config": {"w_bits": 4}})
    vllm serve CKPT --quantization anyprec --hf-overrides '{"quantization_config": {"w_bits": 4}}'
    vllm bench latency --model CKPT --quantization anyprec \\
        --hf-overrides '{"quantization_config": {"w_bits": 4}}'
    lm_eval --model vllm --model_args '{"pretrained": "CKPT", "quantization": "anyprec",
        "hf_overrides": {"quantization_config": {"w_bits": 4}}}'

(lm-eval 0.4.13 wants the JSON form of ``--model_args`` here: it refuses braces inside its
``key=value,...`` form.) ``quantization="anyprec"`` may be left out: the checkpoint names its
method. A value outside the
stored range stops the start-up with one line, e.g.
``quantization_config.w_bits: expected 3..8 (stored bits), got 2``.

How it works: vLLM (0.26 and 0.32 alike) *replaces* the nested ``quantization_config`` dict with
the override instead of merging it, so the model config then holds only ``{"w_bits": 4}``.
``override_quantization_method`` recognises that partial block as ours, ``from_config`` keeps the
requested bits, and ``maybe_update_config`` (called with the model path right after) reads the
checkpoint's own ``config.json`` and merges the override into it. A complete block in the override
works as well. The override is part of the hf_config that vLLM hashes into its torch.compile cache
key, so compiled graphs of different precisions never collide.
"""

from __future__ import annotations

from typing import Any

import torch

from .. import format as fmt
from ..format import AnyPrecConfig, FormatError
from . import compat

# The only keys a partial override may carry (quant_method is added, empty, by vLLM itself).
_OVERRIDE_KEYS = {"w_bits", "quant_method"}

# vLLM fuses these checkpoint layers into one LinearBase; used when the model gives no mapping.
_DEFAULT_PACKED_MODULES = {
    "qkv_proj": ["q_proj", "k_proj", "v_proj"],
    "gate_up_proj": ["gate_proj", "up_proj"],
}


def _is_partial_override(d: dict[str, Any]) -> bool:
    return ("w_bits" in d and set(d) <= _OVERRIDE_KEYS
            and d.get("quant_method", "") in ("", fmt.QUANT_METHOD))


class AnyPrecQuantConfig(compat.QuantizationConfig):
    """The ``anyprec`` method: bitplane checkpoints served at a precision chosen at load time."""

    def __init__(self, cfg: AnyPrecConfig | None, requested_bits: int | None = None) -> None:
        super().__init__()
        # cfg is None only between from_config (partial override) and maybe_update_config.
        self.cfg = cfg
        self.requested_bits = requested_bits
        # Prefixes of the layers that received at least one tensor from the checkpoint: after
        # loading, a quantized layer with none is a dummy load if no layer got any, else an error.
        self.layers_with_tensors: set[str] = set()

    def __repr__(self) -> str:
        return f"AnyPrecQuantConfig({self.cfg}, requested_bits={self.requested_bits})"

    # --- vLLM interface -------------------------------------------------------------------------
    @classmethod
    def get_name(cls) -> str:
        return fmt.QUANT_METHOD

    @classmethod
    def get_supported_act_dtypes(cls) -> list[torch.dtype]:
        # The reference kernel accumulates in fp32 and returns the activation dtype.
        return [torch.float16, torch.bfloat16, torch.float32]

    @classmethod
    def get_min_capability(cls) -> int:
        # The reference kernel runs on any GPU vLLM supports; fast kernels check the capability
        # in their own can_implement and fall back to the reference.
        return 70

    @staticmethod
    def get_config_filenames() -> list[str]:
        return []  # the block lives in config.json

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> "AnyPrecQuantConfig":
        if _is_partial_override(config):
            bits = config["w_bits"]
            if not isinstance(bits, int) or isinstance(bits, bool):
                raise FormatError(f"quantization_config.w_bits: expected an integer, got {bits!r}")
            return cls(None, requested_bits=bits)
        return cls(AnyPrecConfig.from_dict(config))

    @classmethod
    def override_quantization_method(cls, hf_quant_cfg: dict[str, Any], user_quant: str | None,
                                     hf_config: Any = None) -> str | None:
        # The precision flag leaves a block without quant_method: claim it (see module doc).
        if isinstance(hf_quant_cfg, dict) and _is_partial_override(hf_quant_cfg):
            return fmt.QUANT_METHOD
        return None

    def maybe_update_config(self, model_name: str, hf_config: Any = None,
                            revision: str | None = None) -> None:
        if self.cfg is not None:
            return
        stored = compat.read_model_config_json(model_name, revision).get("quantization_config")
        if stored is None:
            raise FormatError(f"{model_name}/config.json: expected a 'quantization_config' "
                              f"block to apply w_bits={self.requested_bits} to, none found")
        self.cfg = AnyPrecConfig.from_dict(stored).with_bits(self.requested_bits)

    def get_quant_method(self, layer: torch.nn.Module, prefix: str):
        if not isinstance(layer, compat.LinearBase):
            return None
        cfg = self.served_config()
        if not self._is_quantized(prefix, cfg):
            return compat.UnquantizedLinearMethod()
        from .linear import AnyPrecLinearMethod

        return AnyPrecLinearMethod(self, prefix)

    # --- helpers --------------------------------------------------------------------------------
    def served_config(self) -> AnyPrecConfig:
        if self.cfg is None:
            raise FormatError(
                f"anyprec: the override quantization_config={{'w_bits': {self.requested_bits}}} "
                f"was never merged with the checkpoint's config.json (maybe_update_config was "
                f"not called by this vLLM)")
        return self.cfg

    def unfused_names(self, prefix: str) -> list[str]:
        """Checkpoint layer names behind a vLLM layer: ``...qkv_proj`` -> ``...q_proj`` etc."""
        head, _, last = prefix.rpartition(".")
        mapping = self.packed_modules_mapping or _DEFAULT_PACKED_MODULES
        parts = mapping.get(last)
        if not parts:
            return [prefix]
        return [f"{head}.{p}" if head else p for p in parts]

    def _is_quantized(self, prefix: str, cfg: AnyPrecConfig) -> bool:
        names = self.unfused_names(prefix)
        flags = [fmt.is_quantized_layer(n, cfg) for n in names]
        if any(flags) and not all(flags):
            raise FormatError(f"{prefix}: vLLM fuses {names} into one layer, but the checkpoint "
                              f"quantizes only some of them (modules_to_not_convert="
                              f"{list(cfg.modules_to_not_convert)})")
        return all(flags)


_registered = False


def register_quantization_method() -> None:
    """Register ``anyprec`` with vLLM; idempotent (vLLM calls plugins in every process)."""
    global _registered
    if _registered:
        return
    from .linear import AnyPrecLinearMethod

    compat.register_quantization_config(fmt.QUANT_METHOD)(AnyPrecQuantConfig)
    # Our parameters carry their own slicing rules (vLLM's "weight loader v2").
    compat.register_weight_loader_v2(AnyPrecLinearMethod)
    _registered = True
