"""Write, read and validate anyprec checkpoint directories (layout: ``format.py``)."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any, Iterable, Mapping

import torch
from safetensors import safe_open
from safetensors.torch import save_file

from . import format as fmt
from .format import AnyPrecConfig, FormatError

# Files copied from the source model next to the weights (tokenizer, generation settings).
SIDE_FILES = ("tokenizer.json", "tokenizer_config.json", "special_tokens_map.json",
              "generation_config.json", "chat_template.jinja", "vocab.json", "merges.txt",
              "tokenizer.model", "added_tokens.json")
METADATA_LAYERS = "anyprec_layers"
METADATA_VERSION = "anyprec_format_version"
SHARD_BYTES = 2 << 30


def _shards(tensors: Mapping[str, torch.Tensor]) -> list[dict[str, torch.Tensor]]:
    shards, cur, size = [], {}, 0
    for name in sorted(tensors):
        t = tensors[name]
        nbytes = t.numel() * t.element_size()
        if cur and size + nbytes > SHARD_BYTES:
            shards.append(cur)
            cur, size = {}, 0
        cur[name] = t.contiguous()
        size += nbytes
    shards.append(cur)
    return shards


def write_checkpoint(out_dir: str | Path, tensors: Mapping[str, torch.Tensor],
                     hf_config: Mapping[str, Any], qcfg: AnyPrecConfig,
                     layer_shapes: Mapping[str, tuple[int, int]],
                     copy_files_from: str | Path | None = None, overwrite: bool = False) -> Path:
    """Write a checkpoint atomically: everything goes to a temp dir that is renamed at the end."""
    out = Path(out_dir)
    if out.exists() and not overwrite:
        raise FileExistsError(f"{out}: already exists (pass overwrite / --force to replace it)")
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        meta = {"format": "pt", METADATA_VERSION: str(qcfg.format_version),
                METADATA_LAYERS: json.dumps({p: list(s) for p, s in layer_shapes.items()})}
        shards = _shards(tensors)
        if len(shards) == 1:
            save_file(shards[0], str(tmp / "model.safetensors"), metadata=meta)
        else:
            weight_map = {}
            for i, shard in enumerate(shards):
                name = f"model-{i + 1:05d}-of-{len(shards):05d}.safetensors"
                save_file(shard, str(tmp / name), metadata=meta)
                weight_map.update({k: name for k in shard})
            (tmp / "model.safetensors.index.json").write_text(
                json.dumps({"metadata": {}, "weight_map": weight_map}, indent=2))
        config = dict(hf_config)
        config["quantization_config"] = qcfg.to_dict()
        config["torch_dtype"] = "float16"
        (tmp / "config.json").write_text(json.dumps(config, indent=2) + "\n")
        if copy_files_from is not None:
            for name in SIDE_FILES:
                src = Path(copy_files_from) / name
                if src.is_file():
                    shutil.copy2(src, tmp / name)
        tmp.chmod(0o755)  # mkdtemp makes it private; a checkpoint is meant to be shared
        if out.exists():
            shutil.rmtree(out)
        os.replace(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return out


def safetensors_files(model_dir: str | Path) -> list[Path]:
    files = sorted(Path(model_dir).glob("*.safetensors"))
    if not files:
        raise FormatError(f"{model_dir}: expected *.safetensors files, found none")
    return files


def iter_tensors(model_dir: str | Path) -> Iterable[tuple[str, torch.Tensor]]:
    for f in safetensors_files(model_dir):
        with safe_open(str(f), framework="pt") as fh:
            for name in fh.keys():
                yield name, fh.get_tensor(name)


def read_layer_shapes(model_dir: str | Path) -> dict[str, tuple[int, int]]:
    shapes: dict[str, tuple[int, int]] = {}
    for f in safetensors_files(model_dir):
        with safe_open(str(f), framework="pt") as fh:
            meta = fh.metadata() or {}
        if METADATA_LAYERS not in meta:
            raise FormatError(f"{f}: expected safetensors metadata key {METADATA_LAYERS!r} "
                              f"(per-layer [N, K]), not found")
        shapes.update({p: tuple(s) for p, s in json.loads(meta[METADATA_LAYERS]).items()})
    return shapes


def read_layer(model_dir: str | Path, prefix: str) -> dict[str, torch.Tensor]:
    """The stored tensors of one quantized layer, keyed by suffix (qweight, scales, ...)."""
    out = {}
    for name, t in iter_tensors(model_dir):
        if name.startswith(prefix + ".") and "." not in name[len(prefix) + 1:]:
            out[name[len(prefix) + 1:]] = t
    return out


def validate_checkpoint(model_dir: str | Path) -> AnyPrecConfig:
    """Check config, every quantized layer's tensors and leftovers; raise FormatError naming them."""
    qcfg = fmt.read_quant_config(model_dir)
    shapes = read_layer_shapes(model_dir)
    tensors = dict(iter_tensors(model_dir))
    for prefix, (n, k) in shapes.items():
        layer = {s: tensors[f"{prefix}.{s}"] for s in fmt.TENSOR_SUFFIXES[qcfg.scheme]
                 if f"{prefix}.{s}" in tensors}
        fmt.validate_layer(qcfg, prefix, layer, n, k)
        if f"{prefix}.weight" in tensors:
            raise FormatError(f"{prefix}.weight: expected absent (the layer is stored quantized), "
                              f"found a dense weight")
    for name in tensors:
        prefix, _, suffix = name.rpartition(".")
        if suffix == fmt.QWEIGHT and prefix not in shapes:
            raise FormatError(f"{name}: quantized tensor of a layer missing from the "
                              f"{METADATA_LAYERS} metadata")
    return qcfg
