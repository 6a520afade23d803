"""Shared fixtures. Each section belongs to one engineer; keep them small and independent."""

# --- offline environment + real assets (assets engineer) ------------------------------------------
import os as _os
import shutil as _shutil
import tempfile as _tempfile
from pathlib import Path as _Path

import pytest as _pytest

_ASSET_TMP = None


def pytest_configure(config):
    # A hook rather than module-level code: it runs before any test module imports vLLM or
    # huggingface_hub (both read these at import), and pytest_unconfigure cleans up after it.
    global _ASSET_TMP
    _ASSET_TMP = _tempfile.mkdtemp(prefix="anyprec-tests-")
    # No machine here reaches the hub: fail fast instead of retrying the network.
    _os.environ.setdefault("HF_HUB_OFFLINE", "1")
    _os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
    # Compile caches and HF_HOME in a throwaway dir so a test run neither reuses nor pollutes
    # the user's caches (a stale compiled graph could hide a bug in the plugin).
    for var, sub in (("VLLM_CACHE_ROOT", "vllm"), ("TORCHINDUCTOR_CACHE_DIR", "inductor"),
                     ("HF_HOME", "hf")):
        _os.environ.setdefault(var, _os.path.join(_ASSET_TMP, sub))


def pytest_unconfigure(config):
    if _ASSET_TMP is not None:
        _shutil.rmtree(_ASSET_TMP, ignore_errors=True)


@_pytest.fixture(scope="session")
def smollm2_dir() -> _Path:
    """fp16 SmolLM2-135M-Instruct HF directory (built once under $ANYPREC_HOME if absent)."""
    from vllm_anyprec.assets import ensure_model

    return ensure_model()


@_pytest.fixture(scope="session")
def wiki_text_path() -> _Path:
    """The bundled Wikipedia sample text (not WikiText-2)."""
    from vllm_anyprec.assets import ensure_wiki

    return ensure_wiki()


# --- anyprec checkpoints for the vLLM tests (vLLM-layer engineer) --------------------------------

# Checkpoints shared by the engine, server and lm-eval tests: SmolLM2 at parent 8 / min 3 bits,
# default w_bits 8. Group size 128 for uniform (the model sits on a Q4_1 grid of 32: a group of 32
# would reproduce it exactly and hide quantization error).
ANYPREC_CKPTS = {
    "uniform": ("ckpt-uniform-g128", {"scheme": "uniform", "group_size": 128}),
    "lut": ("ckpt-lut", {"scheme": "lut", "group_size": -1}),
}
ANYPREC_BITS = {"parent_bits": 8, "min_bits": 3, "w_bits": 8}


def _anyprec_cache_dir() -> _Path:
    return _Path.home() / ".cache" / "vllm_anyprec"


def _build_anyprec_ckpt(src: _Path, dst: _Path, scheme_kw: dict) -> None:
    try:
        from vllm_anyprec.quantize.convert import quantize_model
    except ImportError:
        quantize_model = None
    if quantize_model is not None:
        quantize_model(src, dst, **scheme_kw, **ANYPREC_BITS)
        return
    # No quantizer in this tree: naive RTN (tests/naive_anyprec.py), stored under another name.
    from naive_anyprec import write_checkpoint

    write_checkpoint(src, dst, scheme_kw["scheme"], group_size=scheme_kw["group_size"],
                     **ANYPREC_BITS)


@_pytest.fixture(scope="session")
def anyprec_ckpt(request):
    """``anyprec_ckpt(scheme)`` -> Path of the SmolLM2 anyprec checkpoint (built once if absent)."""
    from vllm_anyprec import format as fmt

    def get(scheme: str) -> _Path:
        name, scheme_kw = ANYPREC_CKPTS[scheme]
        try:
            import vllm_anyprec.quantize.convert  # noqa: F401
        except ImportError:
            name += "-naive"
        path = _anyprec_cache_dir() / name
        if not (path / "config.json").is_file():
            src = request.getfixturevalue("smollm2_dir")
            tmp = path.with_name(f"{path.name}.tmp{_os.getpid()}")
            tmp.parent.mkdir(parents=True, exist_ok=True)
            _build_anyprec_ckpt(_Path(src), tmp, scheme_kw)
            tmp.rename(path)
        cfg = fmt.read_quant_config(path)
        if (cfg.scheme, cfg.parent_bits, cfg.min_bits) != (scheme, 8, 3):
            raise fmt.FormatError(f"{path}: expected a {scheme} checkpoint with bits 3..8, "
                                  f"got {cfg}; delete it to rebuild")
        return path

    return get
