"""Perplexity of a model, or of an anyprec checkpoint at several precisions, on a text.

Protocol (the same for every backend, so numbers compare across them):

* The whole text is tokenized once with the model's tokenizer, *without* special tokens, and the
  first ``max_tokens`` tokens are cut into non-overlapping windows of ``seq_len``; a trailing
  partial window is dropped.
* No BOS is prepended to a window: every window is scored alike, the numbers match the published
  references for SmolLM2 (whose tokenizer adds none), and a window holds exactly ``seq_len`` text
  tokens. Models trained to always see a BOS score somewhat worse than with one; compare such
  numbers only with numbers made the same way.
* ``PPL = exp(mean NLL)`` over every predicted token, i.e. ``seq_len - 1`` per window (the first
  token of a window has no context and is not scored).

Backends: ``vllm`` (the engine as served, one engine per precision; prompt logprobs of the real
next tokens) and ``hf`` (transformers in fp32 on CPU, the cross-check).
"""

from __future__ import annotations

import dataclasses
import gc
import json
import math
import time
from pathlib import Path
from typing import Any, Sequence

DEFAULT_SEQ_LEN = 512
DEFAULT_MAX_TOKENS = 4096
WIKI_SAMPLE = "wiki sample"
WIKITEXT2 = "wikitext-2-raw-v1 test"
BACKENDS = ("vllm", "hf")


class EvalInputError(ValueError):
    """Bad input to an evaluation (missing file, too few tokens, unsupported bits...)."""


# --- text and windows ---------------------------------------------------------------------------
def load_text(text_file: str | Path | None = None, dataset: str | None = None) -> tuple[str, str]:
    """``(text, source label)`` from a local file, WikiText-2 (hub) or the bundled wiki sample."""
    if text_file is not None and dataset is not None:
        raise EvalInputError("give either a text file or a dataset, not both")
    if text_file is not None:
        path = Path(text_file)
        if not path.is_file():
            raise EvalInputError(f"text file {path}: not found")
        text = path.read_text(encoding="utf-8")
        source = f"file {path.name}"
    elif dataset is not None:
        if dataset != "wikitext2":
            raise EvalInputError(f"dataset: expected 'wikitext2', got {dataset!r}")
        text, source = _load_wikitext2(), WIKITEXT2
    else:
        from ..assets import ensure_wiki

        text, source = ensure_wiki().read_text(encoding="utf-8"), WIKI_SAMPLE
    if not text.strip():
        raise EvalInputError(f"{source}: the text is empty")
    return text, source


def _load_wikitext2() -> str:
    try:
        import datasets
    except ImportError as e:
        raise EvalInputError("--dataset wikitext2 needs the 'datasets' package "
                             "(pip install datasets)") from e
    try:
        ds = datasets.load_dataset("wikitext", "wikitext-2-raw-v1", split="test")
    except Exception as e:  # noqa: BLE001 - the hub client raises many types; one line for all
        raise EvalInputError(f"could not load WikiText-2 from the Hugging Face hub "
                             f"({type(e).__name__}: {(str(e).splitlines() or [''])[0][:200]}); use "
                             f"--text-file or the default wiki sample") from e
    # The usual convention of the GPTQ/AWQ evaluations: articles' lines joined by blank lines.
    return "\n\n".join(ds["text"])


def tokenize(model_dir: str | Path, text: str) -> list[int]:
    from transformers import AutoTokenizer

    tok = AutoTokenizer.from_pretrained(model_dir)
    # verbose=False: the "longer than model_max_length" warning is expected, we cut windows.
    return tok(text, add_special_tokens=False, verbose=False).input_ids


def make_windows(ids: Sequence[int], seq_len: int, max_tokens: int) -> list[list[int]]:
    if seq_len < 2:
        raise EvalInputError(f"seq_len: expected >= 2, got {seq_len}")
    ids = list(ids[:max_tokens])
    n = len(ids) // seq_len
    if n == 0:
        raise EvalInputError(f"need at least one window of seq_len={seq_len} tokens, "
                             f"have {len(ids)} (max_tokens={max_tokens})")
    return [ids[i * seq_len:(i + 1) * seq_len] for i in range(n)]


# --- what to evaluate ---------------------------------------------------------------------------
def _config(model_dir: str | Path) -> dict[str, Any]:
    path = Path(model_dir) / "config.json"
    if not path.is_file():
        raise EvalInputError(f"{model_dir}: expected a model directory with config.json")
    return json.loads(path.read_text())


def anyprec_config(model_dir: str | Path) -> dict[str, Any] | None:
    """The checkpoint's ``quantization_config`` if it is an anyprec one, else None."""
    qcfg = _config(model_dir).get("quantization_config")
    return dict(qcfg) if isinstance(qcfg, dict) and qcfg.get("quant_method") == "anyprec" else None


def engine_kwargs_for_bits(model_dir: str | Path, bits: int | None) -> dict[str, Any]:
    """vLLM ``LLM`` kwargs that serve ``model_dir`` at ``bits`` (nothing for a plain model).

    The complete block is passed (not only ``w_bits``) because vLLM replaces the nested dict with
    the override rather than merging it.
    """
    qcfg = anyprec_config(model_dir)
    if qcfg is None or bits is None:
        return {}
    return {"hf_overrides": {"quantization_config": {**qcfg, "w_bits": bits}}}


@dataclasses.dataclass(frozen=True)
class Target:
    """One model at one precision."""

    label: str  # e.g. "fp16", "uniform g128", "lut"
    model: str
    scheme: str  # "none" for an unquantized model
    bits: int  # weight bits served (16 for an fp16 model)
    w_bits: int | None  # the override to pass; None for an unquantized model


def baseline_target(model_dir: str | Path) -> Target:
    cfg = _config(model_dir)
    if anyprec_config(model_dir) is not None:
        raise EvalInputError(f"{model_dir}: is an anyprec checkpoint; pass it as --quantized")
    dtype = str(cfg.get("torch_dtype") or cfg.get("dtype") or "float32").replace("torch.", "")
    bits = {"float16": 16, "bfloat16": 16, "float32": 32}.get(dtype, 16)
    label = {"float16": "fp16", "bfloat16": "bf16", "float32": "fp32"}.get(dtype, dtype)
    return Target(label, str(model_dir), "none", bits, None)


def quantized_targets(model_dir: str | Path, bits_list: Sequence[int] | None) -> list[Target]:
    qcfg = anyprec_config(model_dir)
    if qcfg is None:
        raise EvalInputError(f"{model_dir}: no anyprec quantization_config in config.json")
    from ..format import AnyPrecConfig

    cfg = AnyPrecConfig.from_dict(qcfg)
    stored = cfg.supported_bits
    bits_list = list(bits_list) if bits_list else list(stored)
    bad = [b for b in bits_list if b not in stored]
    if bad:
        raise EvalInputError(f"{model_dir}: w_bits {bad} not stored; this checkpoint holds "
                             f"{stored[0]}..{stored[-1]}")
    label = cfg.scheme + (f" g{cfg.group_size}" if cfg.group_size != -1 else "")
    return [Target(label, str(model_dir), cfg.scheme, b, b) for b in bits_list]


@dataclasses.dataclass
class PplResult:
    label: str
    bits: int
    ppl: float
    tokens: int  # scored tokens: windows * (seq_len - 1)
    seconds: float  # scoring wall time, model load excluded
    tokens_per_s: float  # scored tokens per second of scoring
    load_seconds: float
    model: str
    scheme: str
    backend: str
    text_source: str
    seq_len: int
    dtype: str


# --- backends: each returns (sum of NLL, scored tokens, load seconds, scoring seconds, dtype) ----
def nll_vllm(target: Target, windows: list[list[int]], dtype: str = "auto",
             enforce_eager: bool = False, kv_cache_bytes: int | None = None,
             progress: bool = True) -> tuple[float, int, float, float, str]:
    """Score ``windows`` with a fresh vLLM engine, then tear it down so the next one fits."""
    import torch
    from vllm import LLM, SamplingParams

    seq_len = max(len(w) for w in windows)
    kwargs = engine_kwargs_for_bits(target.model, target.w_bits)
    if target.w_bits is not None:
        kwargs["quantization"] = "anyprec"
    threads = torch.get_num_threads()
    t0 = time.perf_counter()
    try:
        llm = LLM(model=target.model, dtype=dtype, enforce_eager=enforce_eager, seed=0,
                  # one slot more than a window: the engine generates one token after the prompt
                  max_model_len=seq_len + 1,
                  kv_cache_memory_bytes=kv_cache_bytes or _kv_cache_bytes(target.model, seq_len),
                  **kwargs)
    except BaseException:
        _release_vllm_process_state()  # a half-built engine must not poison the next one
        raise
    try:
        load_s = time.perf_counter() - t0
        served_dtype = str(llm.llm_engine.model_config.dtype).replace("torch.", "")
        params = SamplingParams(max_tokens=1, temperature=0.0, prompt_logprobs=0)
        t0 = time.perf_counter()
        outs = llm.generate([{"prompt_token_ids": w} for w in windows], params,
                            use_tqdm=progress)
        nll, n = 0.0, 0
        for w, out in zip(windows, outs):
            # prompt_logprobs[i] maps token id -> Logprob for position i; [0] is None (no context).
            for i in range(1, len(w)):
                nll -= out.prompt_logprobs[i][w[i]].logprob
                n += 1
        score_s = time.perf_counter() - t0
    finally:
        _shutdown(llm)
        del llm
        _release_vllm_process_state()
        # An in-process CPU engine pins this process's OpenMP pool; give the HF backend its cores.
        torch.set_num_threads(threads)
    return nll, n, load_s, score_s, served_dtype


def _kv_cache_bytes(model_dir: str | Path, seq_len: int, concurrent: int = 8) -> int:
    # Size the cache from the model instead of a fraction of memory: vLLM CPU otherwise refuses to
    # start on small machines. fp32 worst case, room for `concurrent` windows at once.
    cfg = _config(model_dir)
    cfg = cfg.get("text_config", cfg)
    heads = cfg.get("num_key_value_heads") or cfg["num_attention_heads"]
    head_dim = cfg.get("head_dim") or cfg["hidden_size"] // cfg["num_attention_heads"]
    per_token = cfg["num_hidden_layers"] * 2 * heads * head_dim * 4
    return max(64 << 20, per_token * (seq_len + 16) * concurrent)


def _shutdown(llm: Any) -> None:
    core = getattr(getattr(llm, "llm_engine", None), "engine_core", None)
    if core is not None and hasattr(core, "shutdown"):
        core.shutdown()


def _release_vllm_process_state() -> None:
    """What one engine leaves behind in this process and the next one would trip over."""
    import vllm.envs
    from vllm.distributed import parallel_state as ps

    cleanup = getattr(ps, "cleanup_dist_env_and_memory", None)
    if cleanup is not None:
        cleanup()
    else:
        ps.destroy_model_parallel()
        ps.destroy_distributed_environment()
    if hasattr(vllm.envs, "disable_envs_cache"):
        vllm.envs.disable_envs_cache()  # an engine freezes env vars; the next one may differ
    gc.unfreeze()  # the engine moves its start-up heap to the permanent generation
    gc.collect()


def load_hf(target: Target):
    """The fp32 transformers model of a target (an anyprec one through our reference loader)."""
    import torch
    from transformers import AutoModelForCausalLM

    if target.w_bits is None:
        return AutoModelForCausalLM.from_pretrained(target.model, dtype=torch.float32).eval()
    from ..hf_loader import load_hf_model

    return load_hf_model(target.model, target.w_bits, dtype=torch.float32).eval()


def model_nll(model, windows: list[list[int]], progress: bool = False,
              desc: str | None = None) -> tuple[float, int]:
    """Summed NLL and predicted-token count of a causal LM (transformers) over the windows."""
    import torch
    from tqdm import tqdm

    nll, n = 0.0, 0
    with torch.inference_mode():
        for w in tqdm(windows, desc=desc, disable=not progress):
            x = torch.tensor([w])
            logits = model(x).logits[0, :-1].float()
            nll += torch.nn.functional.cross_entropy(logits, x[0, 1:], reduction="sum").item()
            n += len(w) - 1
    return nll, n


def nll_hf(target: Target, windows: list[list[int]],
           progress: bool = True) -> tuple[float, int, float, float, str]:
    t0 = time.perf_counter()
    model = load_hf(target)
    load_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    nll, n = model_nll(model, windows, progress, f"hf {target.label} {target.bits}b")
    return nll, n, load_s, time.perf_counter() - t0, "float32"


def evaluate(target: Target, windows: list[list[int]], backend: str, text_source: str,
             dtype: str = "auto", enforce_eager: bool = False,
             progress: bool = True) -> PplResult:
    if backend == "vllm":
        nll, n, load_s, score_s, used = nll_vllm(target, windows, dtype, enforce_eager,
                                                 progress=progress)
    elif backend == "hf":
        nll, n, load_s, score_s, used = nll_hf(target, windows, progress=progress)
    else:
        raise EvalInputError(f"backend: expected one of {BACKENDS}, got {backend!r}")
    return PplResult(label=target.label, bits=target.bits, ppl=math.exp(nll / n), tokens=n,
                     seconds=score_s, tokens_per_s=n / score_s if score_s > 0 else float("nan"),
                     load_seconds=load_s, model=target.model, scheme=target.scheme,
                     backend=backend, text_source=text_source,
                     seq_len=max(len(w) for w in windows), dtype=used)
