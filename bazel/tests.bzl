"""cc_test_per_file: one small GoogleTest target per *_test.cc, named after the file.

    load("//bazel:tests.bzl", "cc_test_per_file")
    cc_test_per_file(
        srcs = glob(["*_test.cc"]),
        deps = [":ops", "//kernels/reference"],   # gtest_main is added
    )
"""

def cc_test_per_file(srcs, deps, copts = [], linkopts = [], data = []):
    for src in srcs:
        native.cc_test(
            name = src.split("/")[-1][:-len(".cc")],
            size = "small",
            srcs = [src],
            copts = copts,
            linkopts = linkopts,
            data = data,
            deps = deps + ["@system//:gtest_main"],
        )
