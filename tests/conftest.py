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
import fcntl as _fcntl

# Checkpoints shared by the engine, server and lm-eval tests: SmolLM2 at parent 8 / min 3 bits,
# default w_bits 8. Group size 128 for uniform (the model sits on a Q4_1 grid of 32: a group of 32
# would reproduce it exactly and hide quantization error).
ANYPREC_CKPTS = {
    "uniform": ("ckpt-uniform-g128", {"scheme": "uniform", "group_size": 128}),
    "lut": ("ckpt-lut", {"scheme": "lut", "group_size": -1}),
}
ANYPREC_BITS = {"parent_bits": 8, "min_bits": 3, "w_bits": 8}


def _quantizer_hash() -> str:
    import hashlib

    import vllm_anyprec

    pkg = _Path(vllm_anyprec.__file__).parent
    h = hashlib.sha1()
    for f in sorted([*pkg.glob("quantize/*.py"), pkg / "format.py", pkg / "reference.py",
                     pkg / "checkpoint.py"]):
        h.update(f.read_bytes())
    return h.hexdigest()[:12]


@_pytest.fixture(scope="session")
def anyprec_ckpt(request):
    """``anyprec_ckpt(scheme)`` -> Path of the SmolLM2 anyprec checkpoint ("uniform" or "lut").

    Looked up under the asset root (``$ANYPREC_HOME``, default ``~/.cache/vllm_anyprec``) and built
    there with ``quantize_model`` when absent, under a file lock so that concurrent sessions build
    it once.
    """
    from vllm_anyprec import format as fmt
    from vllm_anyprec.assets import anyprec_home

    def get(scheme: str) -> _Path:
        name, scheme_kw = ANYPREC_CKPTS[scheme]
        root = anyprec_home()
        # Keyed by the quantizer's source: a cached checkpoint from older code is never reused.
        path = root / f"{name}-{_quantizer_hash()}"
        if not (path / "config.json").is_file():
            src = request.getfixturevalue("smollm2_dir")
            root.mkdir(parents=True, exist_ok=True)
            with open(root / ".ckpt.lock", "w") as lock:
                _fcntl.flock(lock, _fcntl.LOCK_EX)
                if not (path / "config.json").is_file():
                    from vllm_anyprec.quantize.convert import quantize_model

                    tmp = path.with_name(f"{path.name}.tmp{_os.getpid()}")
                    _shutil.rmtree(tmp, ignore_errors=True)
                    quantize_model(src, tmp, **scheme_kw, **ANYPREC_BITS)
                    try:
                        tmp.rename(path)
                    except OSError:
                        if not (path / "config.json").is_file():
                            raise
                        _shutil.rmtree(tmp)  # built meanwhile by a process without the lock
        cfg = fmt.read_quant_config(path)
        if (cfg.scheme, cfg.parent_bits, cfg.min_bits, cfg.w_bits) != (scheme, 8, 3, 8):
            raise fmt.FormatError(f"{path}: expected a {scheme} checkpoint with bits 3..8 and "
                                  f"w_bits 8, got {cfg}; delete it to rebuild")
        return path

    return get
