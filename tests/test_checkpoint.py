"""Checkpoint writing and validation: every malformed case fails naming the culprit."""

import json

import pytest
import torch
from safetensors.torch import load_file, save_file

from vllm_anyprec import format as fmt
from vllm_anyprec.checkpoint import validate_checkpoint, write_checkpoint
from vllm_anyprec.format import AnyPrecConfig, FormatError
from vllm_anyprec.quantize.convert import quantize_linear

P = "model.layers.0.mlp.down_proj"
N, K = 6, 70  # K not a multiple of 32 (padding) nor of the group size (ragged group)


def _write(tmp_path, scheme="uniform", mutate=None, cfg_mutate=None):
    cfg = AnyPrecConfig(scheme, 8, 3, 32 if scheme == "uniform" else -1, 4)
    w = torch.randn(N, K, generator=torch.Generator().manual_seed(0))
    tensors = {f"{P}.{s}": t for s, t in quantize_linear(w, cfg).items()}
    tensors["model.norm.weight"] = torch.ones(K, dtype=torch.float16)
    out = write_checkpoint(tmp_path / "ckpt", tensors, {"model_type": "llama"}, cfg, {P: (N, K)})
    if mutate is not None:
        f = out / "model.safetensors"
        from safetensors import safe_open

        with safe_open(str(f), framework="pt") as fh:
            meta = fh.metadata()
        state = load_file(f)
        mutate(state)
        save_file(state, str(f), metadata=meta)
    if cfg_mutate is not None:
        c = json.loads((out / "config.json").read_text())
        cfg_mutate(c["quantization_config"])
        (out / "config.json").write_text(json.dumps(c))
    return out


@pytest.mark.parametrize("scheme", ["uniform", "lut"])
def test_valid_checkpoint_round_trips(tmp_path, scheme):
    out = _write(tmp_path, scheme)
    cfg = validate_checkpoint(out)
    assert cfg.scheme == scheme and cfg.w_bits == 4
    assert not list(tmp_path.glob(".ckpt.*")), "temp dir left behind"


def test_existing_output_is_refused(tmp_path):
    _write(tmp_path)
    with pytest.raises(FileExistsError, match="already exists"):
        _write(tmp_path)


def _set(name, value):
    def f(state):
        state[name] = value
    return f


def _del(name):
    return lambda state: state.pop(name)


def _flip_padding(state):
    q = state[f"{P}.qweight"].clone()
    q[0, 0, -1] |= 1 << 31  # bit of column 95 >= K=70
    state[f"{P}.qweight"] = q


BAD_TENSORS = [
    (_del(f"{P}.scales"), rf"{P}\.scales: missing"),
    (_set(f"{P}.qweight", torch.zeros(8, N, 3, dtype=torch.int64)),
     rf"{P}\.qweight: expected dtype torch\.int32, got torch\.int64"),
    (_set(f"{P}.qweight", torch.zeros(7, N, 3, dtype=torch.int32)),
     rf"{P}\.qweight: expected shape \[8, 6, 3\], got \[7, 6, 3\]"),
    (_set(f"{P}.zeros", torch.full((6, N, 3), float("nan"), dtype=torch.float16)),
     rf"{P}\.zeros: expected finite values"),
    (_set(f"{P}.scales", torch.zeros(6, N, 3, dtype=torch.float16)),
     rf"{P}\.scales: expected non-zero scales"),
    (_flip_padding, rf"{P}\.qweight: expected zero padding bits past K=70"),
    (_set(f"{P}.weight", torch.zeros(N, K, dtype=torch.float16)),
     rf"{P}\.weight: expected absent"),
]


@pytest.mark.parametrize("mutate,message", BAD_TENSORS)
def test_malformed_tensors(tmp_path, mutate, message):
    out = _write(tmp_path, mutate=mutate)
    with pytest.raises(FormatError, match=message):
        validate_checkpoint(out)


def test_lut_wrong_width(tmp_path):
    out = _write(tmp_path, "lut", mutate=_set(f"{P}.lut", torch.zeros(N, 100).half()))
    with pytest.raises(FormatError, match=rf"{P}\.lut: expected shape \[6, 504\], got \[6, 100\]"):
        validate_checkpoint(out)


BAD_CONFIGS = [
    (lambda c: c.update(scheme="gptq"), r"scheme: expected uniform or lut, got 'gptq'"),
    (lambda c: c.update(parent_bits=9), r"parent_bits: expected 2\.\.8, got 9"),
    (lambda c: c.update(min_bits=1), r"min_bits: expected 2\.\.parent_bits=8, got 1"),
    (lambda c: c.update(w_bits=2), r"w_bits: expected 3\.\.8 \(stored bits\), got 2"),
    (lambda c: c.update(group_size=100), r"group_size: expected -1 or a positive multiple of 32"),
    (lambda c: c.update(format_version=2), r"format_version: expected 1, got 2"),
    (lambda c: c.update(quant_method="awq"), r"quant_method: expected 'anyprec', got 'awq'"),
    (lambda c: c.pop("parent_bits"), r"missing key\(s\) \['parent_bits'\]"),
]


@pytest.mark.parametrize("cfg_mutate,message", BAD_CONFIGS)
def test_malformed_config(tmp_path, cfg_mutate, message):
    out = _write(tmp_path, cfg_mutate=cfg_mutate)
    with pytest.raises(FormatError, match=message):
        validate_checkpoint(out)


def test_quantize_cli_errors(tmp_path, capsys):
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))
    import quantize

    assert quantize.main(["--model", str(tmp_path / "nope"), "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: ") and "config.json" in err and "\n" not in err
