"""SNU any-precision-llm import: a checkpoint in their exact layout converts losslessly."""

import json

import numpy as np
import pytest
import torch

from vllm_anyprec import reference as R
from vllm_anyprec.checkpoint import read_layer, validate_checkpoint
from vllm_anyprec.format import FormatError
from vllm_anyprec.quantize.snu import convert_snu

SEED, PARENT = 3, 5
LAYERS = {"model.layers.0.self_attn.q_proj": (4, 64), "model.layers.0.mlp.down_proj": (3, 1184)}


def _snu_byte_position(i: int, total: int) -> int:
    """Where their warp shuffle puts byte i of a plane row of ``total`` bytes (pack.py)."""
    full = total // 128 * 128
    if i < full:
        threads, base, off = 32, i // 128 * 128, i % 128
    else:  # a ragged tail block is shared by fewer threads
        threads, base, off = (total - full) // 4, full, i - full
    return base + (off % threads) * 4 + ((off // threads) ^ 3)


def _snu_new_indices(byte_indices, threads_per_warp, offset=0):
    """Upstream ``_calculate_new_indices`` (any_precision/quantization/pack.py), restated."""
    bytes_per_warp = threads_per_warp * 4
    warp_idx, byte_offsets_within_warp = np.divmod(byte_indices, bytes_per_warp)
    thread_indices = byte_indices % threads_per_warp
    byte_offsets_within_thread = (byte_offsets_within_warp // threads_per_warp) ^ 3
    return (warp_idx * bytes_per_warp + thread_indices * 4 + byte_offsets_within_thread
            + offset)


def _snu_pack(codes: np.ndarray, parent: int) -> torch.Tensor:
    """Upstream ``_process_layer_data`` + ``_permute_bitmaps_int32``, step by step: packbits of
    the flattened codes per plane (MSB plane first), then bytes[:, :, argsort(new_indices)]."""
    n, k = codes.shape
    flat = codes.flatten()
    bitarray = np.empty((parent, flat.size // 8), dtype=np.uint8)
    mask = 1 << (parent - 1)
    for bit in range(parent):
        bitarray[bit] = np.packbits((flat & mask).astype(bool))
        mask >>= 1
    bitmaps = bitarray.reshape(parent, n, k // 8)
    total = k // 8
    full = total // 128 * 128
    new = np.empty(total, dtype=np.int64)
    new[:full] = _snu_new_indices(np.arange(full), 32)
    if total - full:
        new[full:] = _snu_new_indices(np.arange(total - full), (total - full) // 4, offset=full)
    permuted = np.ascontiguousarray(bitmaps[:, :, np.argsort(new)])
    return torch.from_numpy(permuted.reshape(-1, 4).view(np.int32).reshape(parent, n, total // 4)
                            .copy())


def _their_dequant(qweight: torch.Tensor, lut: torch.Tensor, bits: int) -> torch.Tensor:
    """Dequantize from their layout element by element (slow, obvious)."""
    planes, n, words = qweight.shape
    raw = qweight.numpy().view(np.uint8).reshape(planes, n, words * 4)
    total = words * 4
    out = torch.empty(n, total * 8)
    for i in range(total):
        j = _snu_byte_position(i, total)
        for bit in range(8):
            code = np.zeros(n, dtype=np.int64)
            for p in range(bits):
                code = (code << 1) | ((raw[p, :, j] >> (7 - bit)) & 1)
            out[:, i * 8 + bit] = lut[torch.arange(n), torch.from_numpy(code)].float()
    return out


def _write_snu(tmp_path, extra=None):
    g = np.random.default_rng(0)
    state, truth = {}, {}
    for prefix, (n, k) in LAYERS.items():
        codes = g.integers(0, 2 ** PARENT, size=(n, k))
        state[f"{prefix}.qweight"] = _snu_pack(codes, PARENT)
        for b in range(SEED, PARENT + 1):
            state[f"{prefix}.lut{b}"] = torch.from_numpy(g.standard_normal((n, 2 ** b))).half()
        truth[prefix] = codes
    state["model.norm.weight"] = torch.ones(8, dtype=torch.float16)
    if extra is not None:
        state["evil"] = extra
    d = tmp_path / "snu"
    d.mkdir()
    torch.save(state, d / "pytorch_model.bin")
    arch = {"model_name": "model", "layers_name": "layers", "module_names": ["self_attn.q_proj"]}
    (d / "config.json").write_text(json.dumps({
        "model_type": "llama", "architectures": ["LlamaForCausalLM"],
        "anyprec": {"seed_precision": SEED, "parent_precision": PARENT, "group_count": 1,
                    "arch_config": arch}}))
    return d, state, truth


def test_snu_convert_matches_their_dequant(tmp_path):
    src, state, truth = _write_snu(tmp_path)
    out = convert_snu(src, tmp_path / "ours", progress=False)
    cfg = validate_checkpoint(out)
    assert (cfg.scheme, cfg.min_bits, cfg.parent_bits) == ("lut", SEED, PARENT)
    for prefix, (n, k) in LAYERS.items():
        layer = read_layer(out, prefix)
        assert torch.equal(R.unpack_bitplanes(layer["qweight"], PARENT, k),
                           torch.from_numpy(truth[prefix]).int())
        for b in range(SEED, PARENT + 1):
            ours = R.dequant_lut(layer["qweight"], R.select_lut(layer["lut"], b, SEED), b, k)
            theirs = _their_dequant(state[f"{prefix}.qweight"], state[f"{prefix}.lut{b}"], b)
            assert torch.equal(ours, theirs), (prefix, b)


class _Payload:
    def __reduce__(self):
        return (print, ("pwned",))


def test_snu_refuses_arbitrary_pickles(tmp_path):
    src, _, _ = _write_snu(tmp_path, extra=_Payload())
    with pytest.raises(FormatError, match="refused to unpickle"):
        convert_snu(src, tmp_path / "ours", progress=False)
    assert not (tmp_path / "ours").exists()


def test_snu_missing_anyprec_block(tmp_path):
    src, _, _ = _write_snu(tmp_path)
    (src / "config.json").write_text(json.dumps({"model_type": "llama"}))
    with pytest.raises(FormatError, match="expected an 'anyprec' block"):
        convert_snu(src, tmp_path / "ours", progress=False)
