// The configuration difference of two or more runs, by spec field path (the store's
// run_fields rows): one row per path, one value per run (absent when the run's spec does not
// have the path), marking the paths whose values are not all equal.
//
//   std::vector<FieldDiffRow> rows = DiffRunFields({"a-s0", "b-s0"}, fields, false);
//   for (const FieldDiffRow& row : rows) Print(row.path, row.values);
#ifndef VLMLAB_PLATFORM_DASHBOARD_CONFIG_DIFF_H_
#define VLMLAB_PLATFORM_DASHBOARD_CONFIG_DIFF_H_

#include <optional>
#include <string>
#include <vector>

#include "platform/store/records.h"

namespace vlmlab::dashboard {

struct FieldDiffRow {
  std::string path;
  std::vector<std::optional<std::string>> values;  // one per run id, in the order given
  bool differs = false;  // values not all equal (an absent value differs from any value)
};

// Rows sorted by path (bytewise); only differing paths unless `include_same`.
std::vector<FieldDiffRow> DiffRunFields(const std::vector<std::string>& run_ids,
                                        const std::vector<store::RunField>& fields,
                                        bool include_same);

}  // namespace vlmlab::dashboard

#endif  // VLMLAB_PLATFORM_DASHBOARD_CONFIG_DIFF_H_
