#include "platform/dashboard/config_diff.h"

#include <map>

namespace vlmlab::dashboard {

std::vector<FieldDiffRow> DiffRunFields(const std::vector<std::string>& run_ids,
                                        const std::vector<store::RunField>& fields,
                                        bool include_same) {
  std::map<std::string, size_t> column;
  for (size_t i = 0; i < run_ids.size(); ++i) column.emplace(run_ids[i], i);
  std::map<std::string, std::vector<std::optional<std::string>>> by_path;
  for (const store::RunField& f : fields) {
    auto c = column.find(f.run_id);
    if (c == column.end()) continue;
    auto [it, inserted] = by_path.try_emplace(f.path, run_ids.size());
    it->second[c->second] = f.value;
  }
  std::vector<FieldDiffRow> rows;
  for (auto& [path, values] : by_path) {
    bool differs = false;
    for (const auto& v : values) differs = differs || v != values.front();
    if (!differs && !include_same) continue;
    rows.push_back({path, std::move(values), differs});
  }
  return rows;
}

}  // namespace vlmlab::dashboard
