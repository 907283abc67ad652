#include "platform/spec/field_text.h"

#include <cstdlib>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "glog/logging.h"

namespace vlmlab {

using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;

std::string ShortestFloatText(float x) {
  for (int precision = 6; precision < 9; ++precision) {
    std::string s = absl::StrFormat("%.*g", precision, x);
    if (std::strtof(s.c_str(), nullptr) == x) return s;
  }
  return absl::StrFormat("%.9g", x);
}

std::string ShortestDoubleText(double x) {
  for (int precision = 15; precision < 17; ++precision) {
    std::string s = absl::StrFormat("%.*g", precision, x);
    if (std::strtod(s.c_str(), nullptr) == x) return s;
  }
  return absl::StrFormat("%.17g", x);
}

std::string ScalarFieldText(const Message& m, const FieldDescriptor* f, int index,
                            FloatFormat floats, StringFormat strings) {
  const Reflection* r = m.GetReflection();
  const bool rep = index >= 0;
  switch (f->cpp_type()) {
    case FieldDescriptor::CPPTYPE_INT32:
      return absl::StrCat(rep ? r->GetRepeatedInt32(m, f, index) : r->GetInt32(m, f));
    case FieldDescriptor::CPPTYPE_INT64:
      return absl::StrCat(rep ? r->GetRepeatedInt64(m, f, index) : r->GetInt64(m, f));
    case FieldDescriptor::CPPTYPE_UINT32:
      return absl::StrCat(rep ? r->GetRepeatedUInt32(m, f, index) : r->GetUInt32(m, f));
    case FieldDescriptor::CPPTYPE_UINT64:
      return absl::StrCat(rep ? r->GetRepeatedUInt64(m, f, index) : r->GetUInt64(m, f));
    case FieldDescriptor::CPPTYPE_FLOAT: {
      const float x = rep ? r->GetRepeatedFloat(m, f, index) : r->GetFloat(m, f);
      return floats == FloatFormat::kShortest ? ShortestFloatText(x) : absl::StrFormat("%.9g", x);
    }
    case FieldDescriptor::CPPTYPE_DOUBLE: {
      const double x = rep ? r->GetRepeatedDouble(m, f, index) : r->GetDouble(m, f);
      return floats == FloatFormat::kShortest ? ShortestDoubleText(x)
                                              : absl::StrFormat("%.17g", x);
    }
    case FieldDescriptor::CPPTYPE_BOOL:
      return (rep ? r->GetRepeatedBool(m, f, index) : r->GetBool(m, f)) ? "true" : "false";
    case FieldDescriptor::CPPTYPE_ENUM:
      return (rep ? r->GetRepeatedEnum(m, f, index) : r->GetEnum(m, f))->name();
    case FieldDescriptor::CPPTYPE_STRING: {
      const std::string s = rep ? r->GetRepeatedString(m, f, index) : r->GetString(m, f);
      return strings == StringFormat::kRaw ? s : absl::StrCat("\"", absl::CEscape(s), "\"");
    }
    case FieldDescriptor::CPPTYPE_MESSAGE:
      break;
  }
  LOG(FATAL) << "not a scalar field: " << f->full_name();
  return "";
}

}  // namespace vlmlab
