// `vlmlab kernels [--json]`: the capability table of the compute backends: for every op, which
// backend implements it for which device and dtypes, in order of preference.
#include <iostream>
#include <set>

#include "absl/flags/flag.h"
#include "absl/strings/str_join.h"
#include "kernels/api/kernel_table.h"
#include "nlohmann/json.hpp"
#include "platform/cli/cli_flags.h"
#include "platform/cli/commands.h"

namespace vlmlab {

int RunKernels(const std::vector<std::string>& args) {
  if (!args.empty()) {
    std::cerr << "vlmlab: error: kernels takes no arguments\n";
    return 2;
  }
  nlohmann::json out = nlohmann::json::object();
  for (const auto& [op, table] : AllKernelTables()) {
    nlohmann::json backends = nlohmann::json::array();
    std::set<std::string> seen;
    for (const std::string& backend : table->Backends()) {
      if (!seen.insert(backend).second) continue;
      for (DeviceType device : {DeviceType::kCpu, DeviceType::kCuda}) {
        std::vector<std::string> dtypes;
        for (DType t : {DType::kF32, DType::kBF16, DType::kI32}) {
          if (table->Supports(backend, device, t)) dtypes.push_back(DTypeName(t));
        }
        if (dtypes.empty()) continue;
        backends.push_back(
            {{"backend", backend}, {"device", DeviceName(Device{device, 0})}, {"dtypes", dtypes}});
      }
    }
    out[op] = backends;
  }
  if (absl::GetFlag(FLAGS_json)) {
    std::cout << out.dump(2) << "\n";
    return 0;
  }
  for (const auto& [op, backends] : out.items()) {
    std::vector<std::string> parts;
    for (const auto& b : backends) {
      parts.push_back(b["backend"].get<std::string>() + "/" + b["device"].get<std::string>() +
                      " (" + absl::StrJoin(b["dtypes"].get<std::vector<std::string>>(), ", ") +
                      ")");
    }
    std::cout << op << ": " << absl::StrJoin(parts, ", ") << "\n";
  }
  return 0;
}

}  // namespace vlmlab
