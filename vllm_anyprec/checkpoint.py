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


def _parse_shapes(f: Path, raw: str) -> dict[str, tuple[int, int]]:
    try:
        shapes = json.loads(raw)
    except json.JSONDecodeError as e:
        raise FormatError(f"{f}: metadata {METADATA_LAYERS!r}: expected JSON, got {raw[:80]!r} "
                          f"({e.msg})") from None
    if not isinstance(shapes, dict):
        raise FormatError(f"{f}: metadata {METADATA_LAYERS!r}: expected an object "
                          f"{{prefix: [N, K]}}, got {type(shapes).__name__}")
    out = {}
    for prefix, nk in shapes.items():
        if (not isinstance(nk, list) or len(nk) != 2
                or not all(isinstance(v, int) and not isinstance(v, bool) and v > 0 for v in nk)):
            raise FormatError(f"{f}: metadata {METADATA_LAYERS!r}[{prefix!r}]: expected [N, K] "
                              f"positive integers, got {nk!r}")
        out[prefix] = (nk[0], nk[1])
    return out


def read_layer_shapes(model_dir: str | Path) -> dict[str, tuple[int, int]]:
    """``{prefix: (N, K)}`` of every quantized layer, from the safetensors metadata."""
    shapes: dict[str, tuple[int, int]] = {}
    for f in safetensors_files(model_dir):
        with safe_open(str(f), framework="pt") as fh:
            meta = fh.metadata() or {}
        version = meta.get(METADATA_VERSION)
        if version != str(fmt.FORMAT_VERSION):
            raise FormatError(f"{f}: metadata {METADATA_VERSION!r}: expected "
                              f"'{fmt.FORMAT_VERSION}', got {version!r}")
        if METADATA_LAYERS not in meta:
            raise FormatError(f"{f}: expected safetensors metadata key {METADATA_LAYERS!r} "
                              f"(per-layer [N, K]), not found")
        shapes.update(_parse_shapes(f, meta[METADATA_LAYERS]))
    return shapes


def read_layer(model_dir: str | Path, prefix: str) -> dict[str, torch.Tensor]:
    """The stored tensors of one quantized layer, keyed by suffix (qweight, scales, ...)."""
    out = {}
    for f in safetensors_files(model_dir):
        with safe_open(str(f), framework="pt") as fh:
            for name in fh.keys():
                rest = name[len(prefix) + 1:]
                if name.startswith(prefix + ".") and "." not in rest:
                    out[rest] = fh.get_tensor(name)
    if not out:
        raise FormatError(f"{prefix}: no tensors of this layer in {model_dir}")
    return out


def _check_index(model_dir: Path) -> None:
    """A sharded checkpoint's index must name existing files that hold the tensors it lists."""
    index = model_dir / "model.safetensors.index.json"
    if not index.is_file():
        return
    weight_map = json.loads(index.read_text()).get("weight_map", {})
    held: dict[str, set[str]] = {}
    for name, file in weight_map.items():
        if file not in held:
            if not (model_dir / file).is_file():
                raise FormatError(f"{index.name}: {name} -> {file}: expected the shard file, "
                                  f"not found")
            with safe_open(str(model_dir / file), framework="pt") as fh:
                held[file] = set(fh.keys())
        if name not in held[file]:
            raise FormatError(f"{index.name}: {name}: expected in {file}, not there")


def validate_checkpoint(model_dir: str | Path) -> AnyPrecConfig:
    """Check config, metadata, every quantized layer's tensors and leftovers.

    Raises FormatError naming the tensor or key, what was expected and what was found.
    """
    qcfg = fmt.read_quant_config(model_dir)
    shapes = read_layer_shapes(model_dir)
    _check_index(Path(model_dir))
    tensors = dict(iter_tensors(model_dir))
    for prefix, (n, k) in shapes.items():
        layer = {s: tensors[f"{prefix}.{s}"] for s in fmt.TENSOR_SUFFIXES[qcfg.scheme]
                 if f"{prefix}.{s}" in tensors}
        fmt.validate_layer(qcfg, prefix, layer, n, k)
        if f"{prefix}.weight" in tensors:
            raise FormatError(f"{prefix}.weight: expected absent (the layer is stored quantized), "
                              f"found a dense weight")
    quant_suffixes = {fmt.QWEIGHT, fmt.SCALES, fmt.ZEROS, fmt.LUT}
    for name in tensors:
        prefix, _, suffix = name.rpartition(".")
        if suffix in quant_suffixes and prefix not in shapes:
            raise FormatError(f"{name}: quantized tensor of a layer missing from the "
                              f"{METADATA_LAYERS} metadata")
        if prefix in shapes and suffix not in fmt.TENSOR_SUFFIXES[qcfg.scheme] + ("bias",):
            raise FormatError(f"{name}: unexpected tensor for a {qcfg.scheme} layer (expected "
                              f"{', '.join(fmt.TENSOR_SUFFIXES[qcfg.scheme])} or bias)")
    return qcfg
