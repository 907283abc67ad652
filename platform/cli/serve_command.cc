// `vlmlab serve [--store URL] [--host 127.0.0.1] [--port 8080] [--token T] [--image_root DIR]
// [--insecure_no_token]`: the shared dashboard over the results store (platform/dashboard;
// docs/dashboard.md).
#include <cstdlib>
#include <iostream>

#include "absl/flags/flag.h"
#include "platform/cli/cli_flags.h"
#include "platform/cli/commands.h"
#include "platform/dashboard/serve.h"

ABSL_FLAG(std::string, host, "127.0.0.1",
          "serve: the address to listen on (0.0.0.0: every interface, to share on a team server)");
ABSL_FLAG(int32_t, port, 8080, "serve: the TCP port (0: any free port, printed)");
ABSL_FLAG(bool, insecure_no_token, false,
          "serve: allow a --host beyond loopback without a token (anyone who reaches the port "
          "reads the store)");
ABSL_FLAG(std::string, token, "",
          "serve: an access token every client must present (default: $VLMLAB_DASHBOARD_TOKEN)");
ABSL_FLAG(std::string, image_root, "",
          "serve: the directory that predictions' relative image paths are relative to");

namespace vlmlab {

int RunServe(const std::vector<std::string>& args) {
  if (!args.empty()) {
    std::cerr << "vlmlab: error: serve takes flags only, not '" << args.front()
              << "'\nusage: vlmlab serve [--store URL] [--host 127.0.0.1] [--port 8080] "
                 "[--token T] [--image_root DIR]\n";
    return 2;
  }
  dashboard::ServeConfig config;
  if (!absl::GetFlag(FLAGS_store).empty()) config.store_url = absl::GetFlag(FLAGS_store);
  config.host = absl::GetFlag(FLAGS_host);
  config.port = absl::GetFlag(FLAGS_port);
  config.token = absl::GetFlag(FLAGS_token);
  if (config.token.empty()) {
    if (const char* env = std::getenv("VLMLAB_DASHBOARD_TOKEN")) config.token = env;
  }
  config.image_root = absl::GetFlag(FLAGS_image_root);
  config.insecure_no_token = absl::GetFlag(FLAGS_insecure_no_token);
  // Front-end development: serve web/ from disk (docs/dashboard.md).
  if (const char* web = std::getenv("VLMLAB_DASHBOARD_WEB_DIR")) config.web_dir = web;
  absl::Status served = dashboard::ServeDashboard(config);
  if (!served.ok()) {
    PrintError(served);
    return served.code() == absl::StatusCode::kInvalidArgument ? 2 : 1;
  }
  return 0;
}

}  // namespace vlmlab
