// Who runs a run: the "HOST:PID" a store records when a process claims a run
// (Store::ClaimRun), and whether such a worker is still alive when it is on this host. Both
// `vlmlab run` and `vlmlab sweep` use it to take back a run whose worker was killed.
//
//   std::string me = ThisWorker();                          // "gpu-box-3:41237"
//   std::optional<bool> alive = LocalWorkerAlive(record.worker);
//   if (alive.has_value() && !*alive) store.ResetRun(record.id);   // its worker is gone
#ifndef VLMLAB_PLATFORM_STORE_WORKER_IDENTITY_H_
#define VLMLAB_PLATFORM_STORE_WORKER_IDENTITY_H_

#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace vlmlab::store {

// This host's name.
std::string HostName();
// "HOST:PID" of this process.
std::string ThisWorker();
// The pid of `worker` when it ran on this host, else -1.
int64_t LocalWorkerPid(absl::string_view worker);
// Whether process `pid` exists and is not a zombie (an exited child not reaped yet).
bool ProcessAlive(int64_t pid);
// For a worker on this host: whether its process is alive. nullopt for another host's worker
// (or a malformed name), whose liveness cannot be told from here.
std::optional<bool> LocalWorkerAlive(absl::string_view worker);

// OK when `id` can name a run: 1 to 128 of letters, digits, '.', '_', '-', '+' and '=', not
// starting with '.' or '-' (it names a directory under the output directory and a store key:
// no separators, no "..", nothing a shell or a web page would read as markup). The error
// names the id and what is allowed.
absl::Status CheckRunId(absl::string_view id);

}  // namespace vlmlab::store

#endif  // VLMLAB_PLATFORM_STORE_WORKER_IDENTITY_H_
