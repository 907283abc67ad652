// Semantic difference of two specs by field path, through protobuf's MessageDifferencer.
//
// Unset fields compare equal to their defaults; keyed lists (stages, evaluators, data,
// variants) are matched by key, not position, so inserting a stage shows as one addition.
//
//   std::vector<SpecChange> changes = DiffSpecs(a, b);
//   // {kModified, "model.projector.pixel_shuffle.factor", "2", "3"}
//   std::string text = FormatSpecDiff(changes);
//   // ~ model.projector.pixel_shuffle.factor: 2 -> 3
#ifndef VLMLAB_PLATFORM_SPEC_SPEC_DIFF_H_
#define VLMLAB_PLATFORM_SPEC_SPEC_DIFF_H_

#include <string>
#include <vector>

#include "google/protobuf/message.h"

namespace vlmlab {

struct SpecChange {
  enum class Kind { kAdded, kRemoved, kModified } kind;
  std::string path;
  std::string before;  // text format; empty when added
  std::string after;   // text format; empty when removed
};

// `a` and `b` must have the same type.
std::vector<SpecChange> DiffSpecs(const google::protobuf::Message& a,
                                  const google::protobuf::Message& b);

// One line per change: `+ path: after`, `- path: before`, `~ path: before -> after`.
std::string FormatSpecDiff(const std::vector<SpecChange>& changes);

}  // namespace vlmlab

#endif  // VLMLAB_PLATFORM_SPEC_SPEC_DIFF_H_
