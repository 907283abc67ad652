// The dashboard's read-only JSON API over a results store (docs/dashboard.md lists every
// route, parameter and response). Each route is a GET under /api/; bad parameters answer 400,
// unknown runs/sweeps/routes 404, each with {"error": message}.
//
//   std::unique_ptr<store::Store> db = ...;
//   ImageRoot images("");
//   JsonApi api(db.get(), &images);
//   HttpResponse r = api.Handle(HttpRequest::Get("/api/runs?sweep=abc"));
#ifndef VLMLAB_PLATFORM_DASHBOARD_JSON_API_H_
#define VLMLAB_PLATFORM_DASHBOARD_JSON_API_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "nlohmann/json.hpp"
#include "platform/dashboard/http_message.h"
#include "platform/dashboard/image_files.h"
#include "platform/dashboard/query_params.h"
#include "platform/store/store.h"

namespace vlmlab::dashboard {

class JsonApi {
 public:
  // Neither is owned; both must outlive the JsonApi. The store is only read.
  JsonApi(store::Store* store, const ImageRoot* images) : store_(store), images_(images) {}

  // Any request whose path starts with /api/ (the caller checked method and token).
  HttpResponse Handle(const HttpRequest& request);

 private:
  absl::StatusOr<HttpResponse> Route(const HttpRequest& request);

  absl::StatusOr<nlohmann::json> Info(const QueryParams& params);
  absl::StatusOr<nlohmann::json> Sweeps(const QueryParams& params);
  absl::StatusOr<nlohmann::json> Sweep(const std::string& id, const QueryParams& params);
  absl::StatusOr<nlohmann::json> Runs(const QueryParams& params);
  absl::StatusOr<nlohmann::json> Run(const std::string& id, const QueryParams& params);
  absl::StatusOr<nlohmann::json> Fields(const QueryParams& params);
  absl::StatusOr<nlohmann::json> Diff(const QueryParams& params);
  absl::StatusOr<nlohmann::json> Scalars(const QueryParams& params);
  absl::StatusOr<nlohmann::json> Metrics(const QueryParams& params);
  absl::StatusOr<nlohmann::json> Predictions(const QueryParams& params);
  absl::StatusOr<HttpResponse> Ablation(const QueryParams& params);
  absl::StatusOr<HttpResponse> Image(const QueryParams& params);

  // The runs named by `runs=` (each must exist) or by `sweep=` (which must exist); all runs
  // when neither is given and `required` is false, else InvalidArgument.
  absl::StatusOr<std::vector<store::RunRecord>> SelectRuns(const QueryParams& params,
                                                           bool required);

  store::Store* store_;
  const ImageRoot* images_;
};

// The JSON of a run record (without spec text and fields): times as RFC 3339 UTC strings or
// null, costs as numbers or null.
nlohmann::json RunSummaryJson(const store::RunRecord& run);

}  // namespace vlmlab::dashboard

#endif  // VLMLAB_PLATFORM_DASHBOARD_JSON_API_H_
