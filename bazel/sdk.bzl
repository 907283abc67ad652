"""plugin_sdk: the headers an out-of-tree plugin compiles against, as a tar that needs no Bazel.

    plugin_sdk(
        name = "vlmlab_plugin_sdk",
        deps = ["//platform/plugin_api", "//platform/model:vlm_model"],  # whose headers to ship
        api_version = "5",
        examples = ["//plugins/examples:sdk_sample_plugins.cc"],
    )

The tar holds include/ (every vlmlab header the deps reach, generated spec headers included,
at their include paths), lib/pkgconfig/vlmlab-plugin.pc (relocatable: paths relative to the
.pc file) and share/vlmlab/examples/. A plugin then builds with

    g++ -shared -fPIC $(pkg-config --cflags vlmlab-plugin) my_plugin.cc -o libmy_plugin.so

and links no vlmlab code: its calls resolve against the `vlmlab` binary when it is loaded with
--plugin_lib (the binary exports its symbols with -rdynamic).
"""

_PREFIXES = ("platform/", "kernels/", "plugins/")

def _plugin_sdk_impl(ctx):
    headers = depset(transitive = [d[CcInfo].compilation_context.headers for d in ctx.attr.deps])
    files = [h for h in headers.to_list() if h.short_path.startswith(_PREFIXES)]
    examples = ctx.files.examples
    pc = ctx.actions.declare_file(ctx.label.name + ".pc")
    ctx.actions.write(pc, "\n".join([
        "prefix=${pcfiledir}/../..",
        "includedir=${prefix}/include",
        "",
        "Name: vlmlab-plugin",
        "Description: headers for vlmlab plugin libraries (load them with vlmlab --plugin_lib)",
        "Version: %s" % ctx.attr.api_version,
        "Requires: protobuf",
        "Cflags: -I${includedir} -std=c++17 -fPIC",
        "Libs:",
        "",
    ]))
    manifest = ctx.actions.declare_file(ctx.label.name + ".manifest")
    lines = ["%s\tinclude/%s" % (f.path, f.short_path) for f in files]
    lines += ["%s\tshare/vlmlab/examples/%s" % (f.path, f.basename) for f in examples]
    lines.append("%s\tlib/pkgconfig/vlmlab-plugin.pc" % pc.path)
    ctx.actions.write(manifest, "\n".join(lines) + "\n")
    out = ctx.actions.declare_file(ctx.label.name + ".tar")
    ctx.actions.run_shell(
        inputs = files + examples + [pc, manifest],
        outputs = [out],
        command = """
set -eu
stage="$(mktemp -d)"
while IFS="$(printf '\\t')" read -r src dst; do
  mkdir -p "$stage/$(dirname "$dst")"
  cp "$src" "$stage/$dst"
done < {manifest}
tar -C "$stage" --sort=name --owner=0 --group=0 --numeric-owner --mtime=@0 -cf {out} .
rm -rf "$stage"
""".format(manifest = manifest.path, out = out.path),
        mnemonic = "PluginSdk",
        progress_message = "Packing the plugin SDK %s" % out.short_path,
    )
    return [DefaultInfo(files = depset([out]), runfiles = ctx.runfiles(files = [out]))]

plugin_sdk = rule(
    implementation = _plugin_sdk_impl,
    attrs = {
        "deps": attr.label_list(providers = [CcInfo]),
        "examples": attr.label_list(allow_files = True),
        "api_version": attr.string(mandatory = True),
    },
)
