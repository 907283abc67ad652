#include "platform/store/worker_identity.h"

#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <fstream>
#include <iterator>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace vlmlab::store {

std::string HostName() {
  char host[256] = {0};
  if (gethostname(host, sizeof(host) - 1) != 0) host[0] = '\0';
  return host;
}

std::string ThisWorker() { return absl::StrCat(HostName(), ":", getpid()); }

int64_t LocalWorkerPid(absl::string_view worker) {
  size_t colon = worker.rfind(':');
  if (colon == absl::string_view::npos) return -1;
  if (worker.substr(0, colon) != HostName()) return -1;
  int64_t pid = -1;
  if (!absl::SimpleAtoi(worker.substr(colon + 1), &pid) || pid <= 0) return -1;
  return pid;
}

bool ProcessAlive(int64_t pid) {
  if (pid <= 0) return false;
  if (kill(static_cast<pid_t>(pid), 0) != 0 && errno != EPERM) return false;
  std::ifstream stat(absl::StrCat("/proc/", pid, "/stat"));
  std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
  size_t paren = text.rfind(')');
  if (paren == std::string::npos || paren + 2 >= text.size()) return true;  // no /proc: trust kill
  char state = text[paren + 2];
  return state != 'Z' && state != 'X';
}

std::optional<bool> LocalWorkerAlive(absl::string_view worker) {
  const int64_t pid = LocalWorkerPid(worker);
  if (pid <= 0) return std::nullopt;
  return ProcessAlive(pid);
}

absl::Status CheckRunId(absl::string_view id) {
  bool ok = !id.empty() && id.size() <= 128 && id.front() != '.' && id.front() != '-';
  for (char c : id) {
    ok = ok && (absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' ||
                c == '-' || c == '+' || c == '=');
  }
  if (ok) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat(
      "run id \"", absl::CHexEscape(id.substr(0, 200)),
      "\" is not allowed: use 1 to 128 letters, digits, '.', '_', '-', '+' or '=', not starting "
      "with '.' or '-' (it names the run's directory under the output directory)"));
}

}  // namespace vlmlab::store
