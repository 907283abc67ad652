#!/usr/bin/env python3
"""Prints one cc_library per component (x.h with its x.cc, Abseil style) of a package, with the
dependencies its #include lines name, to replace a package's glob library by hand:

    tools/component_targets.py platform/data > /tmp/targets.bzl    # then paste into its BUILD
    tools/component_targets.py platform/metrics test_files         # leave out a component

A component's deps: ":y" for the package's own y.h, the label of the library that exports a
header of another package (found with `bazel query`), and @system targets for the system
libraries. Mutually including components would be merged into one target; the script stops
with a message instead so a person decides. Test files (*_test.cc) and *_testing.h helpers are
left out: tests keep their own rules.
"""
import os
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SYSTEM = [  # include prefix -> system library target
    ("absl/", "@system//:absl"), ("glog/", "@system//:glog"), ("nlohmann/", "@system//:json"),
    ("google/protobuf/", "@system//:protobuf"), ("oneapi/dnnl", "@system//:dnnl"),
    ("sqlite3.h", "@system//:sqlite3"), ("libpq-fe.h", "@system//:pq"), ("png.h", "@system//:png"),
    ("jpeglib.h", "@system//:jpeg"), ("ft2build.h", "@system//:freetype"),
    ("unicode/", "@system//:icu"), ("oniguruma.h", "@system//:onig"),
    ("openssl/", "@system//:crypto"),
]
INCLUDE = re.compile(r'^#include [<"]([^">]+)[">]', re.M)


def header_owners():
    """header path -> label of the cc_library (not testonly) exporting it, from bazel query."""
    out = subprocess.run(
        ["bazel", "query", "--output=build",
         "kind(cc_library, //platform/... + //kernels/... + //plugins/...) except "
         "attr(testonly, 1, //...)"], cwd=ROOT, check=True, capture_output=True, text=True).stdout
    owners = {}
    for rule in out.split("\n)\n"):
        name = re.search(r'name = "([^"]+)"', rule)
        where = re.search(r"^# (/.*)/BUILD:", rule, re.M)
        hdrs = re.search(r"hdrs = \[([^\]]*)\]", rule)
        if not (name and where and hdrs):
            continue
        pkg = os.path.relpath(where.group(1), ROOT)
        label = f"//{pkg}" if name.group(1) == os.path.basename(pkg) else f"//{pkg}:{name.group(1)}"
        entries = []
        for h in re.findall(r'"([^"]+)"', hdrs.group(1)):
            if h.endswith(".h"):
                entries.append(h)
                continue
            group = h if h.startswith("//") else f"//{pkg}{h if h.startswith(':') else ':' + h}"
            entries += subprocess.run(["bazel", "query", f"labels(srcs, {group})"], cwd=ROOT,
                                      capture_output=True, text=True).stdout.split()
        for h in entries:
            path = h.lstrip("/").replace(":", "/") if h.startswith("//") else f"{pkg}/{h}"
            # Prefer the library with code over a headers-only twin (tensor vs tensor_headers).
            if path not in owners or owners[path].endswith("_headers"):
                owners[path] = label
    return owners


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    pkg = sys.argv[1].strip("/")
    skip = set(sys.argv[2:])  # components that keep a rule of their own
    files = sorted(os.listdir(os.path.join(ROOT, pkg)))
    headers = [f[:-2] for f in files if f.endswith(".h") and not f.endswith("_testing.h")]
    sources = [f[:-3] for f in files if f.endswith(".cc") and not f.endswith("_test.cc")]
    components = sorted((set(headers) | set(sources)) - skip)
    owners = header_owners()
    deps = {}
    for c in components:
        text = ""
        for ext in (".h", ".cc"):
            path = os.path.join(ROOT, pkg, c + ext)
            if os.path.exists(path):
                with open(path) as f:
                    text += f.read()
        d = set()
        for inc in INCLUDE.findall(text):
            if inc.startswith(pkg + "/") and "/" not in inc[len(pkg) + 1:]:
                other = inc[len(pkg) + 1:-2]
                if other in components:
                    if other != c:
                        d.add(":" + other)
                    continue
                # A skipped component or a generated header (x.pb.h): whoever exports it.
                if inc in owners:
                    d.add(owners[inc])
                    continue
            if inc in owners:
                d.add(owners[inc])
                continue
            for prefix, label in SYSTEM:
                if inc.startswith(prefix):
                    d.add(label)
                    break
        deps[c] = d
    for c in components:  # mutual includes would make a cycle of targets
        for d in deps[c]:
            if d.startswith(":") and ":" + c in deps.get(d[1:], ()):
                sys.exit(f"{c} and {d[1:]} include each other: merge them into one target")
    for c in components:
        print("cc_library(")
        print(f'    name = "{c}",')
        if c in sources:
            print(f'    srcs = ["{c}.cc"],')
        if c in headers:
            print(f'    hdrs = ["{c}.h"],')
        if deps[c]:
            local = sorted(x for x in deps[c] if x.startswith(":"))
            rest = sorted(x for x in deps[c] if not x.startswith(":"))
            print("    deps = [")
            for x in local + rest:
                print(f'        "{x}",')
            print("    ],")
        print(")\n")


if __name__ == "__main__":
    main()
