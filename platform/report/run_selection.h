// Which runs `vlmlab report` tabulates when given names from the store rather than a sweep
// file: a sweep id, a sweep name (its most recent record), or run ids. A sweep's runs come in
// the order the sweep expands them (baseline, then the variants, crossed with the axes), so
// the default baseline is the sweep's.
//
//   VLMLAB_ASSIGN_OR_RETURN(RunSelection sel, SelectRuns(*store, {"projector_ablation"}));
//   VLMLAB_ASSIGN_OR_RETURN(AblationTable t, BuildAblationTable(*store, sel.run_ids, {}));
#ifndef VLMLAB_PLATFORM_REPORT_RUN_SELECTION_H_
#define VLMLAB_PLATFORM_REPORT_RUN_SELECTION_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "platform/spec/sweep.pb.h"
#include "platform/store/store.h"

namespace vlmlab::report {

struct RunSelection {
  std::string title;     // "sweep 'name' (id)" or "3 runs"
  std::string sweep_id;  // empty for run ids
  std::vector<std::string> run_ids;
};

// One argument: a sweep id, else the latest sweep of that name, else a run id; several: run
// ids. Errors say what was looked for and in which store.
// A report's title for a sweep: "sweep 'NAME' (ID)", then ": DESCRIPTION" when it has one.
std::string SweepTitle(const std::string& name, const std::string& id,
                       const std::string& description);

absl::StatusOr<RunSelection> SelectRuns(store::Store& store, const std::vector<std::string>& args);

// The variant names the sweep expands to, in expansion order ("baseline/depth=1/proj=lin").
std::vector<std::string> SweepVariantOrder(const Sweep& sweep);

// Sorts runs by their variant's position in `order` (unknown variants last, keeping their
// order), then by seed.
void OrderRuns(const std::vector<std::string>& order, std::vector<store::RunRecord>* runs);

}  // namespace vlmlab::report

#endif  // VLMLAB_PLATFORM_REPORT_RUN_SELECTION_H_
