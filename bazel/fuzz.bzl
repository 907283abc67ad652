"""Fuzz targets: one libFuzzer entry point (LLVMFuzzerTestOneInput), two builds.

vlmlab_fuzzer(name, srcs, deps, corpus) makes
  - `name`: under --config=fuzz (clang, tools/fuzz.sh) a libFuzzer binary with ASan and UBSan;
    otherwise a program that replays the files and directories given as arguments. Tagged
    manual, so `bazel build //...` leaves it to tools/fuzz.sh.
  - `name + "_corpus_test"`: a test that replays every file of `corpus` (the seeds and each
    input that once crashed) through the entry point, under the normal build, so every past
    finding stays a regression test in CI.
"""

def vlmlab_fuzzer(name, srcs, deps, corpus, data = []):
    native.cc_binary(
        name = name,
        srcs = srcs,
        data = data,
        tags = ["manual"],
        testonly = True,
        linkopts = select({
            "//bazel:fuzzing": ["-fsanitize=fuzzer,address,undefined"],
            "//conditions:default": [],
        }),
        deps = deps + select({
            "//bazel:fuzzing": [],
            "//conditions:default": ["//tests/fuzz:replay_main"],
        }),
    )
    native.cc_test(
        name = name + "_corpus_test",
        size = "small",
        srcs = srcs,
        args = ["tests/fuzz/corpus/" + name],
        data = corpus + data,
        deps = deps + ["//tests/fuzz:replay_main"],
    )
