#include "platform/spec/text_parse.h"

#include <regex>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/io/tokenizer.h"
#include "platform/spec/closest_match.h"

namespace vlmlab {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::DescriptorPool;

// Adds what the parser's own message leaves out.
std::string Explain(const std::string& message) {
  static const std::regex kNoField(R"(Message type \"([\w.]+)\" has no field named \"(\w+)\")");
  static const std::regex kNoType(R"(Could not find type \"(?:[^\"/]*/)?([^\"]+)\" stored in)");
  static const std::regex kBadEnum(R"(Unknown enumeration value of \"(\w+)\" for field \"(\w+)\")");
  std::smatch m;
  if (std::regex_search(message, m, kNoField)) {
    const Descriptor* type = DescriptorPool::generated_pool()->FindMessageTypeByName(m[1]);
    std::vector<std::string> names;
    if (type != nullptr) {
      for (int i = 0; i < type->field_count(); ++i) names.push_back(type->field(i)->name());
    }
    std::string hint = DidYouMean(m[2].str(), names);
    if (hint.empty() && !names.empty()) {
      hint = absl::StrCat("; its fields are ", absl::StrJoin(names, ", "));
    }
    return absl::StrCat(type != nullptr ? type->name() : m[1].str(), " has no field named \"",
                        m[2].str(), "\"", hint);
  }
  if (std::regex_search(message, m, kNoType)) {
    return absl::StrCat("the options type ", m[1].str(),
                        " is unknown; load the plugin library that defines ", m[1].str(),
                        " with --plugin_lib");
  }
  if (std::regex_search(message, m, kBadEnum)) {
    return absl::StrCat(message, "; see `vlmlab plugins` or docs/spec.md for the allowed values");
  }
  return message;
}

class Collector : public google::protobuf::io::ErrorCollector {
 public:
  void AddError(int line, google::protobuf::io::ColumnNumber column,
                const std::string& message) override {
    // The parser reports 0-based lines and columns; line -1 means "no location".
    if (line < 0) {
      errors_.push_back(Explain(message));
      return;
    }
    // The parser reports an unknown field after reading its name; point at the name itself.
    static const std::regex kNoField(R"(has no field named \"(\w+)\")");
    std::smatch m;
    if (std::regex_search(message, m, kNoField) && column >= static_cast<int>(m[1].length())) {
      column -= static_cast<int>(m[1].length());
    }
    errors_.push_back(absl::StrCat(line + 1, ":", column + 1, ": ", Explain(message)));
  }
  void AddWarning(int, google::protobuf::io::ColumnNumber, const std::string&) override {}
  const std::vector<std::string>& errors() const { return errors_; }

 private:
  std::vector<std::string> errors_;
};

}  // namespace

absl::Status ParseTextProto(absl::string_view text, absl::string_view source_name,
                            google::protobuf::Message* message,
                            google::protobuf::TextFormat::ParseInfoTree* locations) {
  google::protobuf::TextFormat::Parser parser;
  Collector collector;
  parser.RecordErrorsTo(&collector);
  parser.AllowPartialMessage(true);
  if (locations != nullptr) parser.WriteLocationsTo(locations);
  message->Clear();
  if (parser.ParseFromString(std::string(text), message)) return absl::OkStatus();
  std::vector<std::string> lines;
  for (const std::string& e : collector.errors())
    lines.push_back(absl::StrCat(source_name, ":", e));
  if (lines.empty()) lines.push_back(absl::StrCat(source_name, ": cannot parse"));
  return absl::InvalidArgumentError(absl::StrJoin(lines, "\n"));
}

}  // namespace vlmlab
