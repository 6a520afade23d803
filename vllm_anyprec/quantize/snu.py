"""Convert a checkpoint written by SNU-ARC any-precision-llm into the anyprec format (scheme lut).

Their layout (github.com/SNU-ARC/any-precision-llm, any_precision/quantization/pack.py:
``_process_layer_data``, ``_permute_bitmaps``, ``_calculate_new_indices``, ``pack``; and
any_precision/modules/AnyPrecisionLinear.py for the buffer names and shapes):
- ``pytorch_model.bin``: a torch-saved state dict. Each quantized linear ``P`` (named
  ``{model_name}.{layers_name}.{i}.{module}`` from ``config.json``'s ``anyprec.arch_config``) has
  ``P.qweight`` int32 ``[parent, N, K/32]`` and ``P.lut{b}`` fp16 ``[N, 2**b]`` for
  b = seed_precision..parent_precision; codes nest (``q_b = q_parent >> (parent - b)``), as ours.
- Plane ``p`` (MSB first) of row n is built as bytes: ``numpy.packbits`` of the row's bits, so
  element k is byte ``k // 8`` at bit ``7 - k % 8`` (big-endian within the byte).
- Those bytes are then permuted for their GEMV's warp access: a row's bytes are cut into blocks
  of ``T * 4`` bytes (``T = 32`` threads a warp; a ragged tail block uses ``T = tail / 4``);
  byte i of a block goes to position ``(i % T) * 4 + ((i // T) ^ 3)``, i.e. thread ``i % T``
  holds it, byte-reversed within the thread's 32-bit word, and the result is read as
  little-endian int32.
We undo the permutation and the bit order, then repack with ``reference.pack_bitplanes``.
Only plain tensors are read (``torch.load(weights_only=True)``): a pickle that carries anything
else is refused, never executed.
"""

from __future__ import annotations

import json
from pathlib import Path

import torch
from tqdm import tqdm

from .. import format as fmt
from .. import reference
from ..checkpoint import write_checkpoint
from ..format import AnyPrecConfig, FormatError

THREADS_PER_WARP = 32
BYTES_PER_THREAD = 4


def snu_byte_positions(total_bytes: int) -> torch.Tensor:
    """``pos[i]``: where SNU's permutation puts byte i of a plane row (``total_bytes`` long)."""
    if total_bytes % BYTES_PER_THREAD:
        raise FormatError(f"SNU qweight rows must be whole int32 words, got {total_bytes} bytes")
    idx = torch.arange(total_bytes)
    block = THREADS_PER_WARP * BYTES_PER_THREAD
    full = total_bytes // block * block
    pos = torch.empty_like(idx)
    for start, end, threads in ((0, full, THREADS_PER_WARP),
                                (full, total_bytes, (total_bytes - full) // BYTES_PER_THREAD)):
        if end == start:
            continue
        i = idx[start:end] - start
        span = threads * BYTES_PER_THREAD
        pos[start:end] = (start + i // span * span + (i % threads) * BYTES_PER_THREAD
                          + ((i % span) // threads ^ 3))
    return pos


def snu_qweight_to_codes(qweight: torch.Tensor, bits: int) -> torch.Tensor:
    """SNU int32 ``[P, N, K/32]`` -> parent codes int64 ``[N, K]`` of the top ``bits`` planes."""
    planes, n, words = qweight.shape
    total = words * BYTES_PER_THREAD
    raw = qweight.contiguous().view(torch.uint8).view(planes, n, total)  # little-endian bytes
    data = raw[..., snu_byte_positions(total)]  # data[i] = raw[pos[i]]: undo the permutation
    shifts = torch.arange(7, -1, -1, dtype=torch.uint8)  # packbits is MSB-first in a byte
    bitvals = ((data.unsqueeze(-1) >> shifts) & 1).view(planes, n, total * 8).to(torch.int64)
    codes = torch.zeros(n, total * 8, dtype=torch.int64)
    for p in range(bits):
        codes = (codes << 1) | bitvals[p]
    return codes


def _load_state(path: Path) -> dict[str, torch.Tensor]:
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as e:  # the unpickler's refusal comes in several exception types
        raise FormatError(f"{path}: not a plain tensor state dict (refused to unpickle: "
                          f"{type(e).__name__}: {str(e).splitlines()[0][:200]})") from None
    if not isinstance(state, dict) or not all(isinstance(v, torch.Tensor) for v in state.values()):
        raise FormatError(f"{path}: expected a dict of tensors, got {type(state).__name__}")
    return state


def convert_snu(snu_dir: str | Path, out_dir: str | Path, w_bits: int | None = None,
                overwrite: bool = False, progress: bool = True) -> Path:
    snu_dir = Path(snu_dir)
    cfg_path, bin_path = snu_dir / "config.json", snu_dir / "pytorch_model.bin"
    for p in (cfg_path, bin_path):
        if not p.is_file():
            raise FormatError(f"{p}: expected an SNU any-precision-llm file, not found")
    hf_config = json.loads(cfg_path.read_text())
    ap = hf_config.pop("anyprec", None)
    if not isinstance(ap, dict):
        raise FormatError(f"{cfg_path}: expected an 'anyprec' block (SNU format), none found")
    for key in ("seed_precision", "parent_precision", "arch_config"):
        if key not in ap:
            raise FormatError(f"{cfg_path}: anyprec.{key} missing")
    if ap.get("group_count", 1) != 1:
        raise FormatError(f"{cfg_path}: anyprec.group_count: expected 1, got {ap['group_count']}")
    seed, parent = int(ap["seed_precision"]), int(ap["parent_precision"])
    qcfg = AnyPrecConfig(scheme="lut", parent_bits=parent, min_bits=seed, group_size=-1,
                         w_bits=parent if w_bits is None else w_bits)
    arch = ap["arch_config"]
    state = _load_state(bin_path)
    prefixes = sorted({n[: -len(".qweight")] for n in state if n.endswith(".qweight")})
    if not prefixes:
        raise FormatError(f"{bin_path}: no '*.qweight' tensors found")
    prefix_root = f"{arch.get('model_name', 'model')}.{arch.get('layers_name', 'layers')}."
    out, shapes = {}, {}
    for prefix in tqdm(prefixes, desc="convert SNU", unit="layer", disable=not progress):
        if not prefix.startswith(prefix_root):
            raise FormatError(f"{prefix}.qweight: expected a name under {prefix_root!r}")
        qweight = state.pop(f"{prefix}.qweight")
        if qweight.dtype != torch.int32 or qweight.dim() != 3 or qweight.shape[0] != parent:
            raise FormatError(f"{prefix}.qweight: expected int32 [{parent}, N, K/32], got "
                              f"{qweight.dtype} {list(qweight.shape)}")
        n, k = qweight.shape[1], qweight.shape[2] * 32
        tables = []
        for b in qcfg.supported_bits:
            name = f"{prefix}.lut{b}"
            if name not in state:
                raise FormatError(f"{name}: missing (seed {seed} .. parent {parent})")
            lut = state.pop(name)
            if tuple(lut.shape) != (n, 2 ** b):
                raise FormatError(f"{name}: expected shape {[n, 2 ** b]}, got {list(lut.shape)}")
            tables.append(lut.to(torch.float16))
        state.pop(f"{prefix}.weight", None)  # SNU may keep the original weight; we don't
        codes = snu_qweight_to_codes(qweight, parent)
        out[f"{prefix}.{fmt.QWEIGHT}"] = reference.pack_bitplanes(codes, parent)
        out[f"{prefix}.{fmt.LUT}"] = torch.cat(tables, dim=1)
        shapes[prefix] = (n, k)
    for name, t in state.items():
        if name.endswith("rotary_emb.inv_freq"):
            continue  # a buffer older transformers saved; recomputed from the config on load
        out[name] = t.to(torch.float16) if t.is_floating_point() else t
    return write_checkpoint(out_dir, out, hf_config, qcfg, shapes, copy_files_from=snu_dir,
                            overwrite=overwrite)
