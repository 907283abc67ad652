#include "platform/dashboard/json_api.h"

#include <cmath>
#include <filesystem>
#include <memory>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "platform/dashboard/dashboard_testing.h"
#include "platform/dashboard/image_files.h"
#include "platform/store/store.h"

namespace vlmlab::dashboard {
namespace {

using nlohmann::json;

class JsonApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string dir =
        absl::StrCat(::testing::TempDir(), "/json_api_test_",
                     ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir);
    auto db = store::OpenStore(absl::StrCat("sqlite:", dir, "/store.sqlite"));
    ASSERT_TRUE(db.ok()) << db.status();
    db_ = std::move(*db);
    ASSERT_TRUE(testing::FillExampleStore(db_.get()).ok());
    api_ = std::make_unique<JsonApi>(db_.get(), &images_);
  }

  HttpResponse Get(const std::string& target) { return api_->Handle(HttpRequest::Get(target)); }

  json GetJson(const std::string& target, int expected_status = 200) {
    HttpResponse r = Get(target);
    EXPECT_EQ(r.status, expected_status) << target << ": " << r.body;
    EXPECT_EQ(r.content_type, "application/json; charset=utf-8") << target;
    json j = json::parse(r.body, nullptr, false);
    EXPECT_FALSE(j.is_discarded()) << r.body;
    return j;
  }

  // The error message of a failing request, checking its status.
  std::string Error(const std::string& target, int expected_status) {
    json j = GetJson(target, expected_status);
    EXPECT_TRUE(j.contains("error")) << j.dump();
    return j.value("error", "");
  }

  std::unique_ptr<store::Store> db_;
  ImageRoot images_{""};
  std::unique_ptr<JsonApi> api_;
};

TEST_F(JsonApiTest, ListsRunsInCreationOrderWithMetrics) {
  json j = GetJson("/api/runs");
  ASSERT_EQ(j["runs"].size(), 4u);
  EXPECT_EQ(j["runs"][0]["id"], "mlp-s0");
  EXPECT_EQ(j["runs"][1]["id"], "mlp-s1");
  EXPECT_EQ(j["runs"][2]["id"], "xss-s0");
  EXPECT_EQ(j["runs"][3]["id"], "solo-s0");
  EXPECT_EQ(j["runs"][0]["status"], "completed");
  EXPECT_EQ(j["runs"][2]["status"], "completed");
  EXPECT_EQ(j["runs"][3]["status"], "failed");
  EXPECT_EQ(j["runs"][3]["error"], "<b>boom</b>");
  EXPECT_EQ(j["runs"][3]["variant"], "");
  EXPECT_TRUE(j["runs"][3]["sweep_id"].is_null());
  EXPECT_TRUE(j["runs"][3]["finished_at"].is_string());
  EXPECT_TRUE(j["runs"][0]["cost"]["train_flops"].is_null());
  EXPECT_EQ(j["runs"][0]["sweep_id"], "sweep-1");
  EXPECT_DOUBLE_EQ(j["runs"][0]["metrics"]["vqa/overall"].get<double>(), 0.5);
  EXPECT_DOUBLE_EQ(j["runs"][0]["metrics"]["caption/cider"].get<double>(), 1.25);
  EXPECT_EQ(j["runs"][1]["metrics"].size(), 1u);
  EXPECT_EQ(j["runs"][0]["cost"]["parameters"], 1234567);
  EXPECT_TRUE(j["runs"][1]["cost"]["parameters"].is_null());
  // RFC 3339 UTC.
  const std::string created = j["runs"][0]["created_at"];
  EXPECT_EQ(created.size(), 20u) << created;
  EXPECT_EQ(created.back(), 'Z');
}

TEST_F(JsonApiTest, FiltersRunsBySweepAndStatus) {
  EXPECT_EQ(GetJson("/api/runs?sweep=sweep-1")["runs"].size(), 3u);
  json failed = GetJson("/api/runs?status=failed");
  ASSERT_EQ(failed["runs"].size(), 1u);
  EXPECT_EQ(failed["runs"][0]["id"], "solo-s0");
  EXPECT_EQ(GetJson("/api/runs?status=pending")["runs"].size(), 0u);
  json two = GetJson("/api/runs?runs=xss-s0,mlp-s0");
  ASSERT_EQ(two["runs"].size(), 2u);
  EXPECT_EQ(two["runs"][0]["id"], "xss-s0");  // the order asked for
}

TEST_F(JsonApiTest, EscapesMarkupInEveryJsonBody) {
  HttpResponse r = Get("/api/runs");
  EXPECT_FALSE(absl::StrContains(r.body, "<script>")) << r.body;
  EXPECT_FALSE(absl::StrContains(r.body, "<b>"));
  EXPECT_TRUE(absl::StrContains(r.body, "\\u003cscript\\u003ealert(1)\\u003c/script\\u003e"));
  // ...and the JSON still means the exact name.
  json j = json::parse(r.body);
  EXPECT_EQ(j["runs"][2]["variant"], "<script>alert(1)</script>");
  HttpResponse p = Get("/api/predictions?run=mlp-s0&evaluator=vqa");
  EXPECT_FALSE(absl::StrContains(p.body, "<img")) << p.body;
  EXPECT_EQ(json::parse(p.body)["rows"][1]["data"]["prediction"], "<img src=x onerror=alert(1)>");
}

TEST_F(JsonApiTest, RunDetailHasFieldsMetricsCurvesAndEvaluators) {
  json j = GetJson("/api/runs/mlp-s0")["run"];
  EXPECT_EQ(j["spec_text"], "seed: 0\n");
  EXPECT_EQ(j["fields"]["model.projector.mlp.hidden"], "2048");
  EXPECT_EQ(j["fields"].size(), 4u);
  ASSERT_EQ(j["metrics"].size(), 2u);
  EXPECT_EQ(j["metrics"][0]["evaluator"], "caption");  // by evaluator, key
  ASSERT_EQ(j["scalars"].size(), 2u);
  EXPECT_EQ(j["scalars"][0]["key"], "loss");
  EXPECT_EQ(j["scalars"][0]["points"], 10);
  EXPECT_EQ(j["scalars"][0]["last_step"], 9);
  EXPECT_NEAR(j["scalars"][0]["last_value"].get<double>(), 1.1, 1e-12);
  ASSERT_EQ(j["evaluators"].size(), 2u);
  EXPECT_EQ(j["evaluators"][1]["name"], "vqa");
  EXPECT_EQ(j["evaluators"][1]["predictions"], 3);
  EXPECT_EQ(j["evaluators"][1]["failures"], 2);
  EXPECT_EQ(j["evaluators"][0]["predictions"], 0);
}

TEST_F(JsonApiTest, MetricsCarryIntervals) {
  json j = GetJson("/api/metrics?runs=xss-s0");
  ASSERT_EQ(j["metrics"].size(), 1u);
  EXPECT_DOUBLE_EQ(j["metrics"][0]["ci_low"].get<double>(), 0.35);
  EXPECT_EQ(j["metrics"][0]["n"], 100);
  EXPECT_EQ(GetJson("/api/metrics?sweep=sweep-1")["metrics"].size(), 4u);
}

TEST_F(JsonApiTest, SweepsCountRunsByStatus) {
  json j = GetJson("/api/sweeps");
  ASSERT_EQ(j["sweeps"].size(), 1u);
  EXPECT_EQ(j["sweeps"][0]["name"], "projector ablation");
  EXPECT_EQ(j["sweeps"][0]["runs"], 3);
  EXPECT_EQ(j["sweeps"][0]["status_counts"], json({{"completed", 3}}));
  json one = GetJson("/api/sweeps/sweep-1");
  EXPECT_EQ(one["runs"], json({"mlp-s0", "mlp-s1", "xss-s0"}));
  EXPECT_EQ(one["sweep"]["spec_text"], "base: \"a.textproto\"\n");
}

TEST_F(JsonApiTest, DiffListsOnlyDifferingPathsUnlessAll) {
  json j = GetJson("/api/diff?runs=mlp-s0,xss-s0");
  EXPECT_EQ(j["runs"], json({"mlp-s0", "xss-s0"}));
  EXPECT_EQ(j["variants"][1], "<script>alert(1)</script>");
  ASSERT_EQ(j["rows"].size(), 3u);
  EXPECT_EQ(j["rows"][0]["path"], "model.projector");
  EXPECT_EQ(j["rows"][0]["values"], json({"mlp", "perceiver"}));
  EXPECT_EQ(j["rows"][1]["path"], "model.projector.mlp.hidden");
  EXPECT_TRUE(j["rows"][1]["values"][1].is_null());
  EXPECT_EQ(j["rows"][2]["path"], "model.projector.perceiver.latents");
  json all = GetJson("/api/diff?runs=mlp-s0,xss-s0&all=1");
  EXPECT_EQ(all["rows"].size(), 5u);  // + seed, lr (identical)
  json seeds = GetJson("/api/diff?runs=mlp-s0,mlp-s1");
  ASSERT_EQ(seeds["rows"].size(), 1u);
  EXPECT_EQ(seeds["rows"][0]["path"], "seed");
}

TEST_F(JsonApiTest, ScalarsAreSeriesWithNanAsNullAndDownsampling) {
  json j = GetJson("/api/scalars?runs=xss-s0&keys=loss");
  ASSERT_EQ(j["series"].size(), 1u);
  const json& s = j["series"][0];
  EXPECT_EQ(s["stage"], "pretrain");
  EXPECT_EQ(s["steps"].size(), 10u);
  EXPECT_NEAR(s["values"][0].get<double>(), 2.3, 1e-12);
  EXPECT_TRUE(s["values"][5].is_null());
  EXPECT_DOUBLE_EQ(s["started"].get<double>(), 1000);
  // 10 points, at most 4: stride ceil(9 / 3) = 3 ... (10 + 2) / 3 = 4: steps 0, 4, 8 and the
  // last, 9.
  json d = GetJson("/api/scalars?runs=mlp-s0&keys=loss&max_points=4");
  EXPECT_EQ(d["series"][0]["steps"], json({0, 4, 8, 9}));
  EXPECT_EQ(d["series"][0]["total_points"], 10);
  EXPECT_EQ(GetJson("/api/scalars?sweep=sweep-1")["series"].size(), 6u);
}

TEST_F(JsonApiTest, PredictionsPageAndFilterFailures) {
  json all = GetJson("/api/predictions?run=mlp-s0&evaluator=vqa&limit=2");
  EXPECT_EQ(all["total"], 3);
  ASSERT_EQ(all["rows"].size(), 2u);
  EXPECT_EQ(all["rows"][0]["example_key"], "k1");
  EXPECT_EQ(all["rows"][0]["data"]["references"], json({"red", "dark red"}));
  json failures = GetJson("/api/predictions?run=mlp-s0&evaluator=vqa&failures=1");
  EXPECT_EQ(failures["total"], 2);
  ASSERT_EQ(failures["rows"].size(), 2u);
  EXPECT_EQ(failures["rows"][0]["example_key"], "k2");
  EXPECT_DOUBLE_EQ(failures["rows"][1]["score"].get<double>(), 0.3);
  json second = GetJson("/api/predictions?run=mlp-s0&evaluator=vqa&offset=2");
  ASSERT_EQ(second["rows"].size(), 1u);
  EXPECT_EQ(second["rows"][0]["example_key"], "k3");
}

TEST_F(JsonApiTest, AblationTableComesFromTheReport) {
  json j = GetJson("/api/ablation?sweep=sweep-1&metrics=vqa/overall");
  EXPECT_EQ(j["runs"], json({"mlp-s0", "mlp-s1", "xss-s0"}));
  const json& t = j["table"];
  EXPECT_EQ(t["baseline"], "mlp");
  EXPECT_EQ(t["title"], "sweep 'projector ablation' (sweep-1)");
  // The swept field (seed is never one), seeds, the metric, Δ vqa, and the one cost any run has.
  ASSERT_EQ(t["columns"].size(), 5u) << t["columns"].dump();
  EXPECT_EQ(t["columns"][0]["kind"], "field");
  EXPECT_EQ(t["columns"][0]["path"], "model.projector");
  EXPECT_EQ(t["columns"][1]["kind"], "seeds");
  EXPECT_EQ(t["columns"][2]["label"], "vqa/overall");
  EXPECT_EQ(t["columns"][3]["label"], "Δ vqa [95% CI]");
  EXPECT_EQ(t["columns"][4]["label"], "params");
  ASSERT_EQ(t["rows"].size(), 2u);
  const json& mlp = t["rows"][0]["cells"];
  EXPECT_EQ(t["rows"][0]["variant"], "mlp");
  EXPECT_EQ(mlp[0]["text"], "mlp");
  EXPECT_EQ(mlp[1]["text"], "2");
  EXPECT_NEAR(mlp[2]["mean"].get<double>(), 0.6, 1e-12);
  EXPECT_NEAR(mlp[2]["std"].get<double>(), std::sqrt(0.02), 1e-12);
  EXPECT_EQ(mlp[2]["text"], "0.6000 ± 0.1414");
  EXPECT_EQ(mlp[3]["text"], "baseline");
  EXPECT_EQ(mlp[4]["text"], "1.23M");
  const json& xss = t["rows"][1]["cells"];
  EXPECT_EQ(t["rows"][1]["variant"], "<script>alert(1)</script>");
  EXPECT_EQ(xss[0]["text"], "perceiver");
  EXPECT_EQ(xss[2]["text"], "0.4000");
  EXPECT_TRUE(xss[2]["std"].is_null());
  // Paired on seed 0 by example: k1 1 -> 0, k2 and k3 unchanged: mean difference -1/3.
  EXPECT_NEAR(xss[3]["estimate"].get<double>(), -1.0 / 3, 1e-12);
  EXPECT_EQ(xss[3]["examples"], 3);
  EXPECT_EQ(xss[4]["text"], "-");

  HttpResponse csv = Get("/api/ablation?sweep=sweep-1&metrics=vqa/overall&format=csv");
  EXPECT_EQ(csv.status, 200);
  EXPECT_EQ(csv.content_type, "text/csv; charset=utf-8");
  EXPECT_EQ(csv.Header("Content-Disposition"),
            "attachment; filename=\"ablation-projector-ablation.csv\"");
  EXPECT_TRUE(absl::StartsWith(csv.body, "variant,model.projector,seeds_completed,runs,"))
      << csv.body;
  EXPECT_TRUE(absl::StrContains(csv.body, "\nmlp,mlp,2,2,0.6,0.1414213562,2,")) << csv.body;
  HttpResponse md = Get("/api/ablation?sweep=sweep-1&format=md");
  EXPECT_EQ(md.content_type, "text/markdown; charset=utf-8");
  EXPECT_TRUE(absl::StrContains(md.body, "| mlp |")) << md.body;
  HttpResponse tex = Get("/api/ablation?runs=mlp-s0,mlp-s1&format=latex");
  EXPECT_TRUE(absl::StrContains(tex.body, "\\begin{tabular}")) << tex.body;
  EXPECT_TRUE(absl::StrContains(tex.Header("Content-Disposition"), "ablation-runs.tex"));
  // Another baseline; all runs when none are named.
  json other = GetJson("/api/ablation?sweep=sweep-1&baseline=%3Cscript%3Ealert(1)%3C/script%3E");
  EXPECT_EQ(other["table"]["baseline"], "<script>alert(1)</script>");
  EXPECT_EQ(GetJson("/api/ablation")["runs"].size(), 4u);
}

TEST_F(JsonApiTest, UnknownThingsAre404) {
  EXPECT_TRUE(absl::StrContains(Error("/api/runs/nope", 404), "nope"));
  EXPECT_TRUE(absl::StrContains(Error("/api/sweeps/nope", 404), "nope"));
  EXPECT_TRUE(absl::StrContains(Error("/api/nothing", 404), "no API route /api/nothing"));
  EXPECT_TRUE(absl::StrContains(Error("/api/scalars?runs=mlp-s0,ghost", 404), "'ghost'"));
  EXPECT_TRUE(absl::StrContains(Error("/api/runs?sweep=ghost", 404), "ghost"));
  EXPECT_TRUE(absl::StrContains(Error("/api/predictions?run=ghost&evaluator=vqa", 404), "ghost"));
  EXPECT_TRUE(
      absl::StrContains(Error("/api/ablation?sweep=sweep-1&metrics=vqa/nope", 404), "vqa/nope"));
  EXPECT_TRUE(absl::StrContains(Error("/api/ablation?sweep=ghost", 404), "ghost"));
}

TEST_F(JsonApiTest, BadParametersAre400WithAMessage) {
  EXPECT_EQ(Error("/api/predictions?run=mlp-s0", 400),
            "/api/predictions needs the query parameter 'evaluator'");
  EXPECT_EQ(Error("/api/predictions?run=mlp-s0&evaluator=vqa&limit=abc", 400),
            "query parameter 'limit': expected an integer from 1 to 500, got 'abc'");
  EXPECT_TRUE(absl::StrContains(Error("/api/predictions?run=mlp-s0&evaluator=vqa&limit=0", 400),
                                "from 1 to 500"));
  EXPECT_TRUE(absl::StrContains(
      Error("/api/predictions?run=mlp-s0&evaluator=vqa&failures=maybe", 400), "failures"));
  EXPECT_TRUE(absl::StrContains(Error("/api/runs?colour=red", 400),
                                "unknown query parameter 'colour' for /api/runs"));
  EXPECT_TRUE(absl::StrContains(Error("/api/runs?status=done", 400), "'status'"));
  EXPECT_TRUE(absl::StrContains(Error("/api/diff?runs=mlp-s0", 400), "two or more runs"));
  EXPECT_TRUE(absl::StrContains(Error("/api/scalars", 400), "runs=ID"));
  EXPECT_TRUE(absl::StrContains(Error("/api/scalars?runs=mlp-s0&sweep=sweep-1", 400), "not both"));
  EXPECT_TRUE(
      absl::StrContains(Error("/api/scalars?runs=mlp-s0&max_points=-3", 400), "max_points"));
  EXPECT_TRUE(absl::StrContains(Error("/api/ablation?sweep=sweep-1&format=xml", 400),
                                "json, text, md, csv, latex"));
  EXPECT_TRUE(absl::StrContains(Error("/api/ablation?sweep=sweep-1&baseline=nope", 400),
                                "'nope' is not a variant"));
}

TEST_F(JsonApiTest, ImagesNeedAnImageRoot) {
  EXPECT_TRUE(absl::StrContains(Error("/api/image?path=images/k3.png", 409), "--image_root"));
  EXPECT_TRUE(absl::StrContains(Error("/api/image", 400), "'path'"));
}

TEST_F(JsonApiTest, InfoNamesTheStore) {
  json j = GetJson("/api/info");
  EXPECT_EQ(j["engine"], "sqlite");
  EXPECT_EQ(j["schema_version"], 1);
  EXPECT_EQ(j["image_root"], false);
}

}  // namespace
}  // namespace vlmlab::dashboard
