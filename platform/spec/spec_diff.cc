#include "platform/spec/spec_diff.h"

#include <memory>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/strip.h"
#include "google/protobuf/text_format.h"
#include "google/protobuf/util/field_comparator.h"
#include "google/protobuf/util/message_differencer.h"
#include "platform/spec/canonical.h"
#include "platform/spec/field_path.h"

namespace vlmlab {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::TextFormat;
using google::protobuf::util::MessageDifferencer;

namespace {

// Registers every keyed list reachable from `type` to be matched by key.
void TreatKeyedListsAsMaps(const Descriptor* type, MessageDifferencer* differ,
                           std::set<const Descriptor*>* seen) {
  if (!seen->insert(type).second) return;
  for (int i = 0; i < type->field_count(); ++i) {
    const FieldDescriptor* f = type->field(i);
    if (f->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE) continue;
    if (f->is_repeated()) {
      if (const FieldDescriptor* key = MergeKeyField(f->message_type())) {
        differ->TreatAsMap(f, key);
      }
    }
    TreatKeyedListsAsMaps(f->message_type(), differ, seen);
  }
}

std::string OneLine(std::string text) {
  text = std::string(absl::StripAsciiWhitespace(text));
  return absl::StrReplaceAll(text, {{"\n", " "}});
}

std::string ValueText(const Message& parent, const FieldDescriptor* f, int index) {
  std::string out;
  if (f->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
    const Message& sub = f->is_repeated()
                             ? parent.GetReflection()->GetRepeatedMessage(parent, f, index)
                             : parent.GetReflection()->GetMessage(parent, f);
    TextFormat::Printer printer;
    printer.SetSingleLineMode(true);
    printer.PrintToString(sub, &out);
    return absl::StrCat("{ ", OneLine(out), out.empty() ? "}" : " }");
  }
  TextFormat::PrintFieldValueToString(parent, f, f->is_repeated() ? index : -1, &out);
  return out;
}

class Collector : public MessageDifferencer::Reporter {
 public:
  // The reporter is handed the messages that hold the changed field; paths with keys are
  // rebuilt from the roots.
  Collector(const Message& a, const Message& b, std::vector<SpecChange>* out)
      : a_(a), b_(b), out_(out) {}

  void ReportAdded(const Message&, const Message&,
                   const std::vector<MessageDifferencer::SpecificField>& path) override {
    Add(SpecChange::Kind::kAdded, b_, path, /*use_new_index=*/true);
  }
  void ReportDeleted(const Message&, const Message&,
                     const std::vector<MessageDifferencer::SpecificField>& path) override {
    Add(SpecChange::Kind::kRemoved, a_, path, /*use_new_index=*/false);
  }
  void ReportModified(const Message&, const Message&,
                      const std::vector<MessageDifferencer::SpecificField>& path) override {
    const FieldDescriptor* leaf = path.back().field;
    // Unknown fields never occur in parsed specs; a changed message is reported by its leaves.
    if (leaf == nullptr || leaf->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) return;
    SpecChange change{SpecChange::Kind::kModified, Format(a_, path, false), "", ""};
    const Message* p1 = Parent(a_, path, false);
    const Message* p2 = Parent(b_, path, true);
    if (p1 == nullptr || p2 == nullptr) return;
    change.before = ValueText(*p1, leaf, path.back().index);
    change.after = ValueText(*p2, leaf, path.back().new_index);
    out_->push_back(std::move(change));
  }

 private:
  // The message holding the last field of `path`, or nullptr when a step is absent.
  static const Message* Parent(const Message& root,
                               const std::vector<MessageDifferencer::SpecificField>& path,
                               bool use_new_index) {
    const Message* m = &root;
    for (size_t i = 0; i + 1 < path.size(); ++i) {
      const FieldDescriptor* f = path[i].field;
      if (f == nullptr || f->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE) return nullptr;
      const google::protobuf::Reflection* r = m->GetReflection();
      if (f->is_repeated()) {
        int index = use_new_index ? path[i].new_index : path[i].index;
        if (index < 0 || index >= r->FieldSize(*m, f)) return nullptr;
        m = &r->GetRepeatedMessage(*m, f, index);
      } else {
        m = &r->GetMessage(*m, f);
      }
    }
    return m;
  }

  static std::string Format(const Message& root,
                            const std::vector<MessageDifferencer::SpecificField>& path,
                            bool use_new_index) {
    FieldPath fp;
    for (const auto& sf : path) {
      if (sf.field == nullptr) break;
      fp.push_back(
          {sf.field, sf.field->is_repeated() ? (use_new_index ? sf.new_index : sf.index) : -1});
    }
    return FormatPath(root, fp);
  }

  void Add(SpecChange::Kind kind, const Message& root,
           const std::vector<MessageDifferencer::SpecificField>& path, bool use_new_index) {
    const Message* parent = Parent(root, path, use_new_index);
    if (parent == nullptr || path.back().field == nullptr) return;
    const auto& leaf = path.back();
    std::string value = ValueText(*parent, leaf.field, use_new_index ? leaf.new_index : leaf.index);
    SpecChange change{kind, Format(root, path, use_new_index), "", ""};
    // A singular scalar at its default on the other side was normalised away: that is a
    // change of value, not an addition or removal.
    const Message* other =
        leaf.field->is_repeated() || leaf.field->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE
            ? nullptr
            : Parent(use_new_index ? a_ : b_, path, !use_new_index);
    if (other != nullptr) {
      std::string other_value = ValueText(*other, leaf.field, -1);
      change.kind = SpecChange::Kind::kModified;
      change.before = use_new_index ? other_value : value;
      change.after = use_new_index ? value : other_value;
      out_->push_back(std::move(change));
      return;
    }
    (kind == SpecChange::Kind::kAdded ? change.after : change.before) = value;
    out_->push_back(std::move(change));
  }

  const Message& a_;
  const Message& b_;
  std::vector<SpecChange>* out_;
};

}  // namespace

std::vector<SpecChange> DiffSpecs(const Message& a_in, const Message& b_in) {
  // Compared after normalising, so a value spelled out at its default is no change, while
  // switching plugins shows as one removed and one added.
  std::unique_ptr<Message> a(a_in.New()), b(b_in.New());
  a->CopyFrom(a_in);
  b->CopyFrom(b_in);
  NormalizeSpec(a.get());
  NormalizeSpec(b.get());
  std::vector<SpecChange> changes;
  MessageDifferencer differ;
  std::set<const Descriptor*> seen;
  TreatKeyedListsAsMaps(a->GetDescriptor(), &differ, &seen);
  // Values print from the specs as written (normalising keeps list positions).
  Collector collector(a_in, b_in, &changes);
  differ.ReportDifferencesTo(&collector);
  differ.Compare(*a, *b);
  return changes;
}

std::string FormatSpecDiff(const std::vector<SpecChange>& changes) {
  std::string out;
  for (const SpecChange& c : changes) {
    switch (c.kind) {
      case SpecChange::Kind::kAdded:
        absl::StrAppend(&out, "+ ", c.path, ": ", c.after, "\n");
        break;
      case SpecChange::Kind::kRemoved:
        absl::StrAppend(&out, "- ", c.path, ": ", c.before, "\n");
        break;
      case SpecChange::Kind::kModified:
        absl::StrAppend(&out, "~ ", c.path, ": ", c.before, " -> ", c.after, "\n");
        break;
    }
  }
  return out;
}

}  // namespace vlmlab
