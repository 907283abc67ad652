// Where each part of a resolved spec came from, so errors can name file:line:column.
//
// A resolved experiment is its file merged over its base chain; SpecSources keeps every file
// as parsed with the locations the parser recorded, most derived first:
//
//   std::string where = sources.Locate(resolved, path);  // "experiments/a.textproto:12:7"
#ifndef VLMLAB_PLATFORM_SPEC_SPEC_SOURCES_H_
#define VLMLAB_PLATFORM_SPEC_SPEC_SOURCES_H_

#include <memory>
#include <string>
#include <vector>

#include "google/protobuf/message.h"
#include "google/protobuf/text_format.h"
#include "platform/spec/field_path.h"

namespace vlmlab {

struct SpecFile {
  std::string path;
  // Path from the file's root message to the spec (non-empty for an experiment inlined in a
  // sweep file as base_experiment).
  FieldPath prefix;
  std::shared_ptr<google::protobuf::Message> root;  // the file's message as parsed
  std::shared_ptr<google::protobuf::TextFormat::ParseInfoTree> locations;
};

class SpecSources {
 public:
  void Add(SpecFile file) { files_.push_back(std::move(file)); }
  void Append(const SpecSources& other) {
    files_.insert(files_.end(), other.files_.begin(), other.files_.end());
  }
  bool empty() const { return files_.empty(); }
  // A command-line or sweep override ("stages[sft].steps=0", "-evaluators[pope]") applied
  // after the files: what it sets is located at the override, not in a file.
  void AddOverride(std::string text) { overrides_.push_back(std::move(text)); }
  const std::vector<SpecFile>& files() const { return files_; }

  // "file:line:column" of the deepest part of `path` (a path into `resolved`) that a file
  // sets; the most derived file wins ties. The primary file's name when no file sets any of it.
  // "override 'TEXT'" when the last override that set `path` (or a message above it) did.
  std::string Locate(const google::protobuf::Message& resolved, const FieldPath& path) const;

 private:
  std::vector<SpecFile> files_;
  std::vector<std::string> overrides_;  // in the order applied
};

}  // namespace vlmlab

#endif  // VLMLAB_PLATFORM_SPEC_SPEC_SOURCES_H_
