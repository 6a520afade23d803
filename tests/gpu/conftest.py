"""GPU-only tests: skipped cleanly (at collection, with the reason) where there is no CUDA device
or no built extension. They import on any machine, so CI collects and skips them."""

import pytest
import torch


def pytest_collection_modifyitems(config, items):
    reason = None
    if not torch.cuda.is_available():
        reason = "no CUDA device"
    else:
        from vllm_anyprec import _ext

        ok, why = _ext.load()
        if not ok:
            # A GPU without the extension is a broken build, not a reason to skip quietly.
            raise pytest.UsageError(f"tests/gpu: CUDA is available but {why}")
    if reason:
        skip = pytest.mark.skip(reason=reason)
        for item in items:
            if "tests/gpu/" in str(item.fspath).replace("\\", "/"):
                item.add_marker(skip)
