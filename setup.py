"""Builds csrc/ into the torch extension ``inference._C`` (``make build`` runs this).

C++ sources are compiled with OpenMP. CUDA sources (csrc/*.cu) are added only where a CUDA
toolkit and a CUDA build of torch exist, so a CPU-only machine builds and runs everything.
"""
import glob
import os

import torch
from setuptools import setup
from torch.utils.cpp_extension import CUDA_HOME, BuildExtension, CppExtension, CUDAExtension

here = os.path.dirname(os.path.abspath(__file__))
cpp = sorted(glob.glob(os.path.join("csrc", "*.cpp")))
cuda = sorted(glob.glob(os.path.join("csrc", "*.cu")))
cxx_flags = ["-O3", "-fopenmp", "-fno-math-errno"]
with_cuda = bool(cuda) and torch.version.cuda is not None and CUDA_HOME is not None \
    and os.environ.get("VISAGE_NO_CUDA") != "1"

if with_cuda:
    ext = CUDAExtension(
        "inference._C", cpp + cuda,
        extra_compile_args={"cxx": cxx_flags + ["-DVISAGE_WITH_CUDA"], "nvcc": ["-O3", "-DVISAGE_WITH_CUDA"]},
        extra_link_args=["-fopenmp"])
else:
    ext = CppExtension("inference._C", cpp, extra_compile_args={"cxx": cxx_flags},
                       extra_link_args=["-fopenmp"])

setup(
    name="visage-ops",
    version="0.1.0",
    packages=[],
    py_modules=[],
    ext_modules=[ext],
    cmdclass={"build_ext": BuildExtension},
)
