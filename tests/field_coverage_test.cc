// Every field a user can write in an experiment or sweep file takes effect or is refused: each
// field of the Experiment and Sweep messages (and of every message they reach, plugin options
// included) has an entry in tests/field_coverage.tsv naming the test that shows its effect, or
// the test of its `vlmlab validate` refusal. A new field without an entry fails here; an entry
// must name an existing test; the list of known gaps may only shrink.
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "google/protobuf/descriptor.h"
#include "gtest/gtest.h"
#include "platform/spec/experiment.pb.h"
#include "platform/spec/sweep.pb.h"

namespace vlmlab {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;

constexpr char kTable[] = "tests/field_coverage.tsv";

struct Entry {
  int line = 0;
  std::string file, test, note;
};

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// Full names of every field reachable from `root` through message-typed fields.
void CollectFields(const Descriptor* d, std::set<const Descriptor*>* seen,
                   std::set<std::string>* fields) {
  if (d->full_name() == "google.protobuf.Any" || !seen->insert(d).second) return;
  for (int i = 0; i < d->field_count(); ++i) {
    const FieldDescriptor* f = d->field(i);
    fields->insert(f->full_name());
    if (f->type() == FieldDescriptor::TYPE_MESSAGE || f->type() == FieldDescriptor::TYPE_GROUP) {
      CollectFields(f->message_type(), seen, fields);
    }
  }
}

std::map<std::string, Entry> ReadTable() {
  std::map<std::string, Entry> out;
  std::istringstream in(ReadFile(kTable));
  std::string line;
  int number = 0;
  while (std::getline(in, line)) {
    ++number;
    if (line.empty() || line[0] == '#') continue;
    std::vector<std::string> cols = absl::StrSplit(line, '\t');
    EXPECT_GE(cols.size(), 3u) << kTable << ":" << number << ": want field, file, test, note";
    if (cols.size() < 3) continue;
    Entry e{number, cols[1], cols[2], cols.size() > 3 ? cols[3] : ""};
    EXPECT_TRUE(out.emplace(cols[0], e).second)
        << kTable << ":" << number << ": " << cols[0] << " is listed twice";
  }
  return out;
}

TEST(FieldCoverageTest, EveryFieldHasAnEntryAndEveryEntryAField) {
  std::set<const Descriptor*> seen;
  std::set<std::string> fields;
  CollectFields(Experiment::descriptor(), &seen, &fields);
  CollectFields(Sweep::descriptor(), &seen, &fields);
  ASSERT_GT(fields.size(), 200u);
  const std::map<std::string, Entry> table = ReadTable();
  ASSERT_FALSE(table.empty()) << kTable << " is missing or empty";
  std::vector<std::string> missing;
  for (const std::string& f : fields) {
    if (table.count(f) == 0) missing.push_back(f);
  }
  EXPECT_TRUE(missing.empty())
      << "fields with no entry in " << kTable << ": " << absl::StrJoin(missing, ", ")
      << "\nname the test that shows each one's effect (or its `vlmlab validate` refusal); "
         "a field nothing reads must be refused or removed";
  for (const auto& [field, e] : table) {
    EXPECT_TRUE(fields.count(field) > 0)
        << kTable << ":" << e.line << ": " << field
        << " is not a field of the spec (renamed or removed?); update or drop the entry";
  }
}

TEST(FieldCoverageTest, EveryNamedTestExists) {
  const std::regex name_re(R"(^([A-Za-z0-9_]+)\.([A-Za-z0-9_]+)$)");
  for (const auto& [field, e] : ReadTable()) {
    if (e.file == "GAP") continue;
    const std::string where = std::string(kTable) + ":" + std::to_string(e.line) + ": " + field;
    if (!std::filesystem::exists(e.file)) {
      ADD_FAILURE() << where << ": " << e.file << " is not among this test's data; add its label "
                    << "to //tests:field_coverage_test's data (and export it from its package)";
      continue;
    }
    if (absl::EndsWith(e.file, ".sh")) {
      EXPECT_EQ(e.test, "-") << where << ": a shell test has no GoogleTest name; write -";
      continue;
    }
    std::smatch m;
    if (!std::regex_match(e.test, m, name_re)) {
      ADD_FAILURE() << where << ": '" << e.test << "' is not Suite.Name";
      continue;
    }
    const std::regex test_re("TEST(_F|_P)?\\(\\s*" + m[1].str() + "\\s*,\\s*" + m[2].str() +
                             "\\s*\\)");
    EXPECT_TRUE(std::regex_search(ReadFile(e.file), test_re))
        << where << ": " << e.file << " has no test " << e.test;
  }
}

TEST(FieldCoverageTest, NoFieldIsAGap) {
  // Every field has a test of its effect or of its refusal: a GAP entry (a field accepted and
  // never shown to act) fails, so an ablation over any field can be trusted.
  std::vector<std::string> gaps;
  for (const auto& [field, e] : ReadTable()) {
    if (e.file == "GAP") gaps.push_back(absl::StrCat(field, " (", kTable, ":", e.line, ")"));
  }
  EXPECT_TRUE(gaps.empty()) << "fields with no test of their effect; write one (or refuse the "
                               "field in `vlmlab validate`) and name it in the table:\n  "
                            << absl::StrJoin(gaps, "\n  ");
}

}  // namespace
}  // namespace vlmlab
