#include "platform/dashboard/http_message.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_split.h"

namespace vlmlab::dashboard {
namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

bool PercentDecode(absl::string_view in, bool plus_is_space, std::string* out) {
  out->clear();
  out->reserve(in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    char c = in[i];
    if (c == '%') {
      if (i + 2 >= in.size()) return false;
      int hi = HexValue(in[i + 1]);
      int lo = HexValue(in[i + 2]);
      if (hi < 0 || lo < 0) return false;
      out->push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    } else if (c == '+' && plus_is_space) {
      out->push_back(' ');
    } else {
      out->push_back(c);
    }
  }
  return true;
}

HttpRequest HttpRequest::Get(absl::string_view target) {
  HttpRequest request;
  size_t question = target.find('?');
  absl::string_view path = target.substr(0, question);
  if (!PercentDecode(path, /*plus_is_space=*/false, &request.path)) request.path = "";
  if (question != absl::string_view::npos) {
    for (absl::string_view part :
         absl::StrSplit(target.substr(question + 1), '&', absl::SkipEmpty())) {
      size_t eq = part.find('=');
      std::string name, value;
      bool ok = PercentDecode(part.substr(0, eq), true, &name);
      if (eq != absl::string_view::npos)
        ok = ok && PercentDecode(part.substr(eq + 1), true, &value);
      if (ok) request.query.emplace_back(std::move(name), std::move(value));
    }
  }
  return request;
}

std::string HttpRequest::Header(absl::string_view name) const {
  auto it = headers.find(absl::AsciiStrToLower(name));
  return it == headers.end() ? "" : it->second;
}

std::string HttpResponse::Header(absl::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (absl::EqualsIgnoreCase(key, name)) return value;
  }
  return "";
}

}  // namespace vlmlab::dashboard
