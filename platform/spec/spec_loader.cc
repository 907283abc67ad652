#include "platform/spec/spec_loader.h"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "platform/spec/overrides.h"
#include "platform/spec/spec_merge.h"
#include "platform/spec/text_parse.h"

namespace vlmlab {
namespace {

namespace fs = std::filesystem;
using google::protobuf::TextFormat;

std::string Canonical(const std::string& path) {
  std::error_code ec;
  fs::path p = fs::weakly_canonical(fs::path(path), ec);
  return ec ? path : p.string();
}

std::string Relative(const std::string& from_file, const std::string& target) {
  if (fs::path(target).is_absolute()) return target;
  fs::path dir = fs::path(from_file).parent_path();
  return (dir / target).lexically_normal().string();
}

absl::StatusOr<LoadedExperiment> Resolve(const Experiment& parsed, SpecFile file,
                                         std::vector<std::string>& chain);

// Loads one experiment file and its base chain. `chain` holds the canonical paths being
// loaded, to detect cycles.
absl::StatusOr<LoadedExperiment> LoadChain(const std::string& path,
                                           std::vector<std::string>& chain) {
  absl::StatusOr<std::string> text = ReadSpecFile(path);
  if (!text.ok()) return text.status();
  auto root = std::make_shared<Experiment>();
  auto locations = std::make_shared<TextFormat::ParseInfoTree>();
  absl::Status parsed = ParseTextProto(*text, path, root.get(), locations.get());
  if (!parsed.ok()) return parsed;
  SpecFile file{path, {}, root, locations};
  return Resolve(*root, std::move(file), chain);
}

absl::StatusOr<LoadedExperiment> Resolve(const Experiment& parsed, SpecFile file,
                                         std::vector<std::string>& chain) {
  LoadedExperiment out;
  std::string key = Canonical(file.path);
  if (file.prefix.empty()) chain.push_back(key);
  if (parsed.has_base()) {
    std::string base_path = Relative(file.path, parsed.base());
    SpecSources here;
    here.Add(file);
    std::string where =
        here.Locate(parsed, {{Experiment::descriptor()->FindFieldByName("base"), -1}});
    std::string base_key = Canonical(base_path);
    for (size_t i = 0; i < chain.size(); ++i) {
      if (chain[i] == base_key) {
        std::vector<std::string> cycle(chain.begin() + i, chain.end());
        cycle.push_back(base_key);
        return absl::InvalidArgumentError(absl::StrCat(
            where, ": base '", parsed.base(), "' makes a cycle: ", absl::StrJoin(cycle, " -> "),
            "; remove base from one of these files"));
      }
    }
    if (!fs::exists(base_path)) {
      return absl::NotFoundError(absl::StrCat(where, ": base '", parsed.base(),
                                              "' does not exist (looked for ", base_path,
                                              "); paths are relative to this file"));
    }
    absl::StatusOr<std::string> base_text = ReadSpecFile(base_path);
    if (!base_text.ok()) {
      return absl::Status(base_text.status().code(),
                          absl::StrCat(where, ": base: ", base_text.status().message()));
    }
    if (IsSweepFile(base_path, *base_text)) {
      return absl::InvalidArgumentError(absl::StrCat(
          where, ": base '", parsed.base(),
          "' is a sweep file, and a sweep cannot be a base: name the experiment the sweep is "
          "based on instead (its `base:`), or run the sweep with `vlmlab sweep`"));
    }
    absl::StatusOr<LoadedExperiment> base = LoadChain(base_path, chain);
    if (!base.ok()) return base.status();
    out.experiment = std::move(base->experiment);
    absl::Status merged = MergeSpec(parsed, &out.experiment);
    if (!merged.ok()) {
      return absl::InvalidArgumentError(absl::StrCat(file.path, ": ", merged.message()));
    }
    out.sources.Add(file);
    out.sources.Append(base->sources);
  } else {
    out.experiment = parsed;
    out.sources.Add(file);
  }
  out.experiment.clear_base();
  if (file.prefix.empty()) chain.pop_back();
  return out;
}

}  // namespace

absl::StatusOr<std::string> ReadSpecFile(const std::string& path) {
  std::error_code ec;
  const fs::file_status status = fs::status(path, ec);
  if (ec || !fs::exists(status)) {
    return absl::NotFoundError(
        absl::StrCat("cannot read spec file '", path, "': ", ec ? ec.message() : "no such file"));
  }
  if (fs::is_directory(status)) {
    return absl::InvalidArgumentError(absl::StrCat(path, " is a directory, not a spec file"));
  }
  // A device or socket could stream without end (/dev/zero): refused. A pipe (a shell's
  // <(...)) is read up to the size limit.
  if (fs::is_character_file(status) || fs::is_block_file(status) || fs::is_socket(status)) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, " is not a regular file (a device or socket); give a spec file"));
  }
  auto too_big = [&](const std::string& size) {
    return absl::ResourceExhaustedError(absl::StrCat(
        path, " is ", size, ", over the ", kMaxSpecFileBytes >> 20, " MiB limit for a spec file"));
  };
  if (fs::is_regular_file(status)) {
    const uintmax_t size = fs::file_size(path, ec);
    if (!ec && size > kMaxSpecFileBytes) return too_big(absl::StrCat(size, " bytes"));
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return absl::NotFoundError(
        absl::StrCat("cannot read spec file '", path, "': ", std::strerror(errno)));
  }
  std::string text;
  char chunk[1 << 16];
  while (in.read(chunk, sizeof(chunk)) || in.gcount() > 0) {
    text.append(chunk, static_cast<size_t>(in.gcount()));
    if (text.size() > kMaxSpecFileBytes) return too_big("longer than that");
  }
  return text;
}

absl::StatusOr<LoadedExperiment> ResolveExperiment(const Experiment& parsed, SpecFile file) {
  std::vector<std::string> chain;
  if (!file.prefix.empty()) chain.push_back(Canonical(file.path));
  return Resolve(parsed, std::move(file), chain);
}

absl::StatusOr<LoadedExperiment> LoadExperimentFile(const std::string& path,
                                                    const std::vector<std::string>& overrides) {
  std::vector<std::string> chain;
  absl::StatusOr<LoadedExperiment> loaded = LoadChain(path, chain);
  if (!loaded.ok()) return loaded.status();
  for (const std::string& o : overrides) {
    absl::Status st = ApplyOverride(o, &loaded->experiment);
    if (!st.ok()) return st;
    loaded->sources.AddOverride(o);
  }
  return loaded;
}

absl::StatusOr<LoadedSweep> LoadSweepFile(const std::string& path) {
  absl::StatusOr<std::string> text = ReadSpecFile(path);
  if (!text.ok()) return text.status();
  auto root = std::make_shared<Sweep>();
  auto locations = std::make_shared<TextFormat::ParseInfoTree>();
  absl::Status parsed = ParseTextProto(*text, path, root.get(), locations.get());
  if (!parsed.ok()) return parsed;
  LoadedSweep out;
  out.sweep = *root;
  out.path = path;
  out.sources.Add(SpecFile{path, {}, root, locations});
  if (root->has_base_experiment()) {
    FieldPath prefix = {{Sweep::descriptor()->FindFieldByName("base_experiment"), -1}};
    absl::StatusOr<LoadedExperiment> base =
        ResolveExperiment(root->base_experiment(), SpecFile{path, prefix, root, locations});
    if (!base.ok()) return base.status();
    out.base = std::move(*base);
    return out;
  }
  SpecSources here;
  here.Add(SpecFile{path, {}, root, locations});
  if (!root->has_base()) {
    return absl::InvalidArgumentError(
        absl::StrCat(path,
                     ": a sweep needs a base experiment: set base: \"file.textproto\" or "
                     "base_experiment { ... }"));
  }
  std::string base_path = Relative(path, root->base());
  std::string where = here.Locate(*root, {{Sweep::descriptor()->FindFieldByName("base"), -1}});
  if (!fs::exists(base_path)) {
    return absl::NotFoundError(absl::StrCat(where, ": base '", root->base(),
                                            "' does not exist (looked for ", base_path,
                                            "); paths are relative to the sweep file"));
  }
  if (IsSweepFile(base_path, "")) {
    return absl::InvalidArgumentError(absl::StrCat(where, ": base '", root->base(),
                                                   "' is a sweep; a sweep's base must be an "
                                                   "experiment file"));
  }
  absl::StatusOr<LoadedExperiment> base = LoadExperimentFile(base_path);
  if (!base.ok()) return base.status();
  out.base = std::move(*base);
  return out;
}

bool IsSweepFile(const std::string& path, const std::string& text) {
  if (absl::EndsWith(path, ".sweep.textproto") || absl::EndsWith(path, ".sweep.txtpb") ||
      absl::EndsWith(path, ".sweep.pbtxt")) {
    return true;
  }
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    absl::string_view l = absl::StripAsciiWhitespace(line);
    if (l.empty()) continue;
    if (!absl::ConsumePrefix(&l, "#")) break;  // only the header comments count
    l = absl::StripAsciiWhitespace(l);
    if (absl::ConsumePrefix(&l, "proto-message:")) {
      l = absl::StripAsciiWhitespace(l);
      return l == "vlmlab.Sweep" || l == "Sweep";
    }
  }
  return false;
}

}  // namespace vlmlab
