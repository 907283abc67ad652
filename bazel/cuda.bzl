"""cuda_library: compiles .cu sources with the CUDA toolkit's nvcc (sm_90) into a cc_library.

There are no CUDA rules offline, so each .cu file is compiled by a genrule into a
position-independent object that a cc_library links together with cudart (and cuBLAS
when `cublas = True`). Only meaningful under --config=cuda; callers select() on
//bazel:cuda_enabled.

    cuda_library(
        name = "smoke_kernels",
        srcs = ["smoke_kernels.cu"],
        hdrs = ["smoke_kernels.h"],
        cublas = True,
    )
"""

NVCC_FLAGS = "-arch=sm_90 -O3 -std=c++17 -Xcompiler -fPIC --expt-relaxed-constexpr"

def cuda_library(name, srcs, hdrs = [], deps = [], cublas = False, visibility = None, tags = []):
    """`tags` go on every generated target (e.g. ["manual"] keeps nvcc out of `bazel build //...`)."""
    objs = []
    for src in srcs:
        obj = name + "_" + src.replace("/", "_")[:-len(".cu")] + ".pic.o"
        native.genrule(
            name = obj.replace(".", "_") + "_nvcc",
            srcs = [src] + hdrs,
            outs = [obj],
            tags = tags,
            tools = ["@cuda//:nvcc"],
            # Run nvcc from its real path: it locates its headers, cicc and ptxas relative
            # to its own directory, which in the sandbox is only a symlink to bin/nvcc.
            cmd = "$$(readlink -f $(location @cuda//:nvcc)) " + NVCC_FLAGS +
                  " -I. -I$(GENDIR) -c $(location %s) -o $@" % src,
        )
        objs.append(obj)
    native.cc_library(
        name = name,
        srcs = objs,
        hdrs = hdrs,
        deps = deps + (["@cuda//:cublas"] if cublas else ["@cuda//:cudart"]),
        visibility = visibility,
        tags = tags,
    )
