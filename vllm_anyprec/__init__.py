"""vllm_anyprec: one checkpoint, any precision 3..8 chosen at load time, served by vLLM."""

from .format import FORMAT_VERSION, AnyPrecConfig, FormatError

__all__ = ["FORMAT_VERSION", "AnyPrecConfig", "FormatError", "register"]

_registered = False


def register() -> None:
    """vLLM plugin entry point: registers the ``anyprec`` quantization method.

    vLLM calls it in the main, EngineCore and worker processes, so it must be idempotent.
    """
    global _registered
    if _registered:
        return
    from .layers.config import register_quantization_method

    register_quantization_method()
    _registered = True
