#include "platform/spec/spec_sources.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"

namespace vlmlab {

using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;
using google::protobuf::TextFormat;

namespace {

struct Found {
  int depth = -1;
  int line = -1;
  int column = -1;
};

// Follows `path` through the resolved spec and one file's message and location tree together.
Found LocateInFile(const Message& resolved, const FieldPath& path, const SpecFile& file) {
  Found best;
  const Message* file_msg = MessageAt(*file.root, file.prefix);
  const TextFormat::ParseInfoTree* tree = file.locations.get();
  for (const PathStep& step : file.prefix) {
    if (tree == nullptr) break;
    tree = tree->GetTreeForNested(step.field, step.index);
  }
  if (file_msg == nullptr || tree == nullptr) return best;
  const Message* res = &resolved;
  for (size_t depth = 0; depth < path.size(); ++depth) {
    const PathStep& step = path[depth];
    const Reflection* fr = file_msg->GetReflection();
    int file_index = -1;
    if (step.field->is_repeated()) {
      int size = fr->FieldSize(*file_msg, step.field);
      if (step.index < 0) {
        if (size == 0) break;
        file_index = 0;  // point at the list's first element
      } else {
        std::string key = res != nullptr ? ElementKey(*res, step.field, step.index) : "";
        file_index = key.empty() ? step.index : FindElementByKey(*file_msg, step.field, key);
        if (file_index < 0 || file_index >= size) break;
      }
    } else if (!fr->HasField(*file_msg, step.field)) {
      break;
    }
    TextFormat::ParseLocation loc = tree->GetLocation(step.field, file_index);
    if (loc.line < 0) break;
    best = Found{static_cast<int>(depth), loc.line, loc.column};
    if (step.field->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE ||
        (step.field->is_repeated() && step.index < 0)) {
      break;
    }
    tree = tree->GetTreeForNested(step.field, file_index);
    if (tree == nullptr) break;
    if (step.field->is_repeated()) {
      file_msg = &fr->GetRepeatedMessage(*file_msg, step.field, file_index);
      res = res != nullptr ? &res->GetReflection()->GetRepeatedMessage(*res, step.field, step.index)
                           : nullptr;
    } else {
      file_msg = &fr->GetMessage(*file_msg, step.field);
      res = res != nullptr ? &res->GetReflection()->GetMessage(*res, step.field) : nullptr;
    }
  }
  return best;
}

}  // namespace

std::string SpecSources::Locate(const Message& resolved, const FieldPath& path) const {
  if (!overrides_.empty()) {
    const std::string formatted = FormatPath(resolved, path);
    for (auto it = overrides_.rbegin(); it != overrides_.rend(); ++it) {
      absl::string_view target = *it;
      target = target.substr(0, target.find('='));
      if (absl::ConsumePrefix(&target, "-")) {
        // a removal sets nothing that could be at fault
        continue;
      }
      if (formatted == target || absl::StartsWith(formatted, absl::StrCat(target, ".")) ||
          absl::StartsWith(formatted, absl::StrCat(target, "["))) {
        return absl::StrCat("override '", *it, "'");
      }
    }
  }
  if (files_.empty()) return "<spec>";
  const SpecFile* best_file = nullptr;
  Found best;
  for (const SpecFile& file : files_) {
    Found f = LocateInFile(resolved, path, file);
    if (f.depth > best.depth) {
      best = f;
      best_file = &file;
    }
  }
  if (best_file == nullptr) return files_.front().path;
  return absl::StrCat(best_file->path, ":", best.line + 1, ":", best.column + 1);
}

}  // namespace vlmlab
