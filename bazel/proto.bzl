"""cc_proto: C++ code for .proto files through the system protoc (Bazel 4.2 offline).

Bazel 4.2's native proto rules want an @com_google_protobuf repository, which cannot be
fetched offline. This macro runs Debian's protoc in a genrule and wraps the output.

    cc_proto(
        name = "experiment_cc_proto",
        srcs = ["experiment.proto"],
        proto_deps = ["//platform/spec:options_protos"],   # .proto files it imports
        deps = [":options_cc_proto"],                      # their cc_proto targets
    )
"""

def cc_proto(name, srcs, deps = [], proto_deps = [], visibility = None, alwayslink = False):
    hdrs = [s[:-len(".proto")] + ".pb.h" for s in srcs]
    ccs = [s[:-len(".proto")] + ".pb.cc" for s in srcs]
    native.genrule(
        name = name + "_gen",
        srcs = srcs + proto_deps,
        outs = hdrs + ccs,
        tools = ["@system//:protoc"],
        cmd = "$(location @system//:protoc) --proto_path=. --proto_path=/usr/include " +
              "--cpp_out=$(GENDIR) " + " ".join(["$(location %s)" % s for s in srcs]),
    )
    native.cc_library(
        name = name,
        srcs = ccs,
        hdrs = hdrs,
        deps = deps + ["@system//:protobuf"],
        visibility = visibility,
        alwayslink = alwayslink,
    )
