#include <iostream>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "platform/cli/cli_flags.h"
#include "platform/cli/commands.h"
#include "platform/spec/overrides.h"

namespace vlmlab {

void PrintError(const absl::Status& status) {
  for (absl::string_view line : absl::StrSplit(status.message(), '\n')) {
    std::cerr << "vlmlab: error: " << line << "\n";
  }
}

void SplitArgs(const std::vector<std::string>& args, std::vector<std::string>* files,
               std::vector<std::string>* overrides) {
  for (const std::string& a : args) {
    (a.find('=') != std::string::npos ? overrides : files)->push_back(a);
  }
}

absl::StatusOr<LoadedExperiment> LoadExperimentWithFlags(
    const std::string& path, const std::vector<std::string>& overrides) {
  std::vector<std::string> all;
  for (const std::string& c : absl::GetFlag(FLAGS_clear)) all.push_back(absl::StrCat("-", c));
  all.insert(all.end(), overrides.begin(), overrides.end());
  absl::StatusOr<LoadedExperiment> loaded = LoadExperimentFile(path, all);
  if (!loaded.ok()) return loaded;
  std::string fragment = absl::GetFlag(FLAGS_merge);
  if (!fragment.empty()) {
    absl::Status st = ApplyMergeFragment(fragment, &loaded->experiment);
    if (!st.ok()) return absl::InvalidArgumentError(absl::StrCat("--merge: ", st.message()));
  }
  return loaded;
}

}  // namespace vlmlab
