// Fuzzes the dashboard's request handling over a filled store: any request target (path and
// query, percent-encoded or not) and Host header. Never a crash; never a file from outside the
// embedded assets and the image root (the first line of /etc/passwd never appears in a
// response unless the request itself holds it, as an error message may echo the path, also
// JSON-escaped); every
// response a valid status.
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <string>

#include "glog/logging.h"
#include "platform/dashboard/dashboard.h"
#include "platform/dashboard/dashboard_testing.h"
#include "platform/dashboard/json_response.h"
#include "platform/store/store.h"
#include "tests/fuzz/fuzz_input.h"

namespace {

const vlmlab::dashboard::Dashboard& Instance() {
  static const vlmlab::dashboard::Dashboard* dashboard = [] {
    const char* dir = std::getenv("TEST_TMPDIR");
    auto db = vlmlab::store::OpenStore(std::string("sqlite:") + (dir != nullptr ? dir : "/tmp") +
                                       "/dashboard_fuzz_" + std::to_string(getpid()) + ".db");
    CHECK(db.ok()) << db.status();
    CHECK(vlmlab::dashboard::testing::FillExampleStore(db->get()).ok());
    vlmlab::dashboard::DashboardOptions o;
    o.loopback_hosts_only = true;
    return new vlmlab::dashboard::Dashboard(db->release(), o);
  }();
  return *dashboard;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::vector<std::string> parts =
      vlmlab::fuzz::SplitFuzzInput(vlmlab::fuzz::FuzzString(data, size), 2);
  vlmlab::dashboard::HttpRequest request = vlmlab::dashboard::HttpRequest::Get(parts[0]);
  request.headers["host"] = parts[1].empty() ? "127.0.0.1:8080" : parts[1];
  const vlmlab::dashboard::HttpResponse response = Instance().Handle(request);
  CHECK(response.status >= 200 && response.status < 600) << response.status;
  static const std::string* secret = [] {
    std::ifstream in("/etc/passwd");
    std::string line;
    std::getline(in, line);
    return new std::string(line.size() >= 8 ? line : "no /etc/passwd on this machine");
  }();
  // An error message may echo the request's target inside a JSON string, where its escapes can
  // spell the secret ("\r" + "oot:x:..." reads "\root:x:..."): that is the request, not a file.
  const std::string echoed = vlmlab::dashboard::SafeJsonDump(nlohmann::json(parts[0]));
  CHECK(response.body.find(*secret) == std::string::npos ||
        parts[0].find(*secret) != std::string::npos || echoed.find(*secret) != std::string::npos)
      << "served /etc/passwd";
  return 0;
}
