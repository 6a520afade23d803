"""Every vLLM import of the plugin, in one place, for vLLM 0.26 (GPU) and 0.32 (CPU).

Compared on both versions' sources (2026-11): the names below exist with the same signatures in
both, except where a fallback is given. The two versions also agree on the behaviour the precision
override relies on (see ``config.py``): ``hf_overrides`` with a dict value *replaces* the nested
``quantization_config`` dict (``ModelConfig._apply_dict_overrides``), a missing ``quant_method`` is
normalised to ``""``, custom ``override_quantization_method`` hooks are consulted first, and
``maybe_update_config(model_name, hf_config=...)`` is called once in the process that builds the
``VllmConfig`` (whose ``quant_config`` is then pickled to the engine and workers). The hf_config,
overrides included, is part of the torch.compile cache key in both versions, so a compiled graph
of one precision is never reused for another.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from vllm.model_executor.layers import linear as _linear
from vllm.model_executor.layers.linear import (
    LinearBase,
    LinearMethodBase,
    MergedColumnParallelLinear,
    QKVParallelLinear,
    UnquantizedLinearMethod,
)
from vllm.model_executor.layers.quantization import register_quantization_config
from vllm.model_executor.layers.quantization.base_config import QuantizationConfig
from vllm.model_executor.parameter import (
    ChannelQuantScaleParameter,
    GroupQuantScaleParameter,
    PackedvLLMParameter,
)
from vllm.model_executor.utils import set_weight_attrs

__all__ = [
    "ChannelQuantScaleParameter", "GroupQuantScaleParameter", "LinearBase", "LinearMethodBase",
    "MergedColumnParallelLinear", "PackedvLLMParameter", "QKVParallelLinear", "QuantizationConfig",
    "UnquantizedLinearMethod", "read_model_config_json", "register_quantization_config",
    "register_weight_loader_v2", "set_weight_attrs",
]


def register_weight_loader_v2(cls: type) -> type:
    """Mark a LinearMethod class as using the v2 weight loaders (parameter classes)."""
    register = getattr(_linear, "register_weight_loader_v2_supported_method", None)
    if register is not None:
        return register(cls)
    # Older vLLM: the list is consulted by class name.
    if cls.__name__ not in _linear.WEIGHT_LOADER_V2_SUPPORTED:
        _linear.WEIGHT_LOADER_V2_SUPPORTED.append(cls.__name__)
    return cls


def read_model_config_json(model: str | Path, revision: str | None = None) -> dict[str, Any]:
    """The checkpoint's own config.json (before any ``hf_overrides``), local dir or Hub repo."""
    local = Path(model) / "config.json"
    if local.is_file():
        return json.loads(local.read_text())
    try:
        from vllm.transformers_utils.repo_utils import get_hf_file_to_dict
    except ImportError:
        get_hf_file_to_dict = None
    found = None
    if get_hf_file_to_dict is not None:
        found = get_hf_file_to_dict("config.json", str(model), revision)
    if found is None:
        raise FileNotFoundError(f"{model}: expected a config.json (local dir or Hub repo), "
                                f"none found")
    return found
