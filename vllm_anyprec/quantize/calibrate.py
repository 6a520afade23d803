"""Input statistics of every target linear over calibration text (the quantizers' importance).

For each quantized linear we need ``E[x_k**2]``, the mean square of its input column k over real
text: ``sum_k E[x_k**2] e_k**2`` is then the expected squared error that a weight error ``e`` of
one row adds to the layer's output (the diagonal of GPTQ's Hessian). The model runs once in fp32
on CPU through transformers, with a forward hook on each target linear.

Default text: the tail of the bundled wiki sample (``assets.ensure_wiki()``; exllamav2 ships it
as calibration data), i.e. its last ``DEFAULT_TAIL_CHARS`` characters. Perplexity evaluations read
the sample from its beginning (the first few thousand tokens), so the two never overlap unless
an evaluation reads almost the whole sample (~579k tokens).
"""

from __future__ import annotations

from pathlib import Path

import torch
from tqdm import tqdm

from .. import format as fmt

DEFAULT_TOKENS = 2048
DEFAULT_SEQ_LEN = 512
DEFAULT_TAIL_CHARS = 60_000  # ~12k tokens of English: room for DEFAULT_TOKENS and more


class CalibrationError(ValueError):
    """Calibration input is unusable (missing file, too little text...)."""


def default_text() -> str:
    from ..assets import ensure_wiki

    return ensure_wiki().read_text(encoding="utf-8")[-DEFAULT_TAIL_CHARS:]


def load_text(source: str | Path | None) -> str:
    """``None`` -> the default text; else the contents of a UTF-8 text file."""
    if source is None:
        return default_text()
    path = Path(source)
    if not path.is_file():
        raise CalibrationError(f"calibration text {path}: file not found")
    text = path.read_text(encoding="utf-8")
    if not text.strip():
        raise CalibrationError(f"calibration text {path}: empty")
    return text


def activation_stats(model_dir: str | Path, text: str, targets=fmt.DEFAULT_TARGET_SUFFIXES,
                     n_tokens: int = DEFAULT_TOKENS, seq_len: int = DEFAULT_SEQ_LEN,
                     is_target=None, progress: bool = True) -> dict[str, torch.Tensor]:
    """``{weight name: E[x_k**2] [K] (fp32)}`` for every target linear of the HF model."""
    from transformers import AutoModelForCausalLM, AutoTokenizer

    if n_tokens < 2:
        raise CalibrationError(f"calibration tokens: expected >= 2, got {n_tokens}")
    try:
        tok = AutoTokenizer.from_pretrained(model_dir)
    except (OSError, ValueError) as e:  # transformers' "can't find a tokenizer" comes as either
        first = (str(e).splitlines() or [""])[0][:160]
        raise CalibrationError(f"{model_dir}: calibration needs the model's tokenizer, could not "
                               f"load it ({type(e).__name__}: {first}); add the tokenizer files "
                               f"or quantize without calibration") from None
    ids = tok(text, add_special_tokens=False, verbose=False).input_ids[:n_tokens]
    if len(ids) < min(n_tokens, seq_len):
        raise CalibrationError(f"calibration text: expected >= {min(n_tokens, seq_len)} tokens, "
                               f"got {len(ids)}")
    model = AutoModelForCausalLM.from_pretrained(model_dir, dtype=torch.float32).eval()
    sums: dict[str, list] = {}
    hooks = []
    for name, mod in model.named_modules():
        if isinstance(mod, torch.nn.Linear) and (is_target is None or is_target(
                f"{name}.weight", targets)):
            def hook(module, inputs, output, key=f"{name}.weight"):
                x = inputs[0].detach().reshape(-1, inputs[0].shape[-1]).to(torch.float32)
                acc = sums.setdefault(key, [torch.zeros(x.shape[1], dtype=torch.float64), 0])
                acc[0] += (x.double() ** 2).sum(0)
                acc[1] += x.shape[0]
            hooks.append(mod.register_forward_hook(hook))
    try:
        with torch.no_grad():
            windows = [ids[i:i + seq_len] for i in range(0, len(ids), seq_len)]
            for win in tqdm(windows, desc="calibrate", unit="window", disable=not progress):
                model(torch.tensor([win]))
    finally:
        for h in hooks:
            h.remove()
    return {name: (s / n).to(torch.float32) for name, (s, n) in sums.items()}
