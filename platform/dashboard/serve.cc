#include "platform/dashboard/serve.h"

#include <filesystem>
#include <iostream>
#include <memory>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "platform/base/status_macros.h"
#include "platform/dashboard/access_token.h"
#include "platform/dashboard/dashboard.h"
#include "platform/dashboard/http_server.h"
#include "platform/store/store.h"
#include "platform/store/store_url.h"
#include "platform/store/worker_identity.h"

namespace vlmlab::dashboard {

bool IsLoopbackAddress(const std::string& host) {
  return absl::StartsWith(host, "127.") || host == "::1" || host == "localhost";
}

absl::Status ServeDashboard(const ServeConfig& config) {
  if (!config.token.empty()) VLMLAB_RETURN_IF_ERROR(CheckTokenSyntax(config.token));
  const bool loopback = IsLoopbackAddress(config.host);
  if (!loopback && config.token.empty() && !config.insecure_no_token) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--host ", config.host,
        " serves beyond this machine, and without a token anyone who can reach it could read "
        "the store (no Host check can stop DNS rebinding there): set --token or "
        "VLMLAB_DASHBOARD_TOKEN, or pass --insecure_no_token to accept that"));
  }
  VLMLAB_ASSIGN_OR_RETURN(store::StoreUrl url, store::ParseStoreUrl(config.store_url));
  if (url.engine == store::StoreEngine::kSqlite && !std::filesystem::exists(url.target)) {
    return absl::NotFoundError(absl::StrCat(
        "no results store at '", url.target,
        "': run an experiment first, or point --store at an existing store (a SQLite file or "
        "postgresql://user@host/database)"));
  }
  if (!config.image_root.empty() && !std::filesystem::is_directory(config.image_root)) {
    return absl::NotFoundError(
        absl::StrCat("--image_root '", config.image_root, "' is not a directory"));
  }
  VLMLAB_ASSIGN_OR_RETURN(std::unique_ptr<store::Store> db, store::OpenStore(config.store_url));
  DashboardOptions options;
  options.token = config.token;
  options.image_root = config.image_root;
  options.web_dir = config.web_dir;
  options.loopback_hosts_only = loopback && config.token.empty();
  Dashboard dashboard(db.get(), options);
  HttpServer server(&dashboard);
  VLMLAB_RETURN_IF_ERROR(server.Bind(config.host, config.port));
  if (!loopback && config.token.empty()) {
    std::cerr << "vlmlab: warning: serving on " << config.host
              << " without a token (--insecure_no_token): anyone who can reach this machine can "
                 "read the store\n";
  }
  // A wildcard address is reached through this machine's name.
  const std::string shown_host =
      config.host == "0.0.0.0" || config.host == "::" ? store::HostName() : config.host;
  std::cout << "vlmlab: dashboard for " << db->url() << " at http://"
            << (absl::StrContains(shown_host, ':') ? absl::StrCat("[", shown_host, "]")
                                                   : shown_host)
            << ":" << server.port() << "/"
            << (config.token.empty() ? "" : absl::StrCat("?token=", config.token)) << std::endl;
  return server.Run();
}

}  // namespace vlmlab::dashboard
