// The Store contract, one suite run on both engines: SQLite always (a file in a temporary
// directory), PostgreSQL when VLMLAB_TEST_POSTGRES_URL is set (each test in a fresh schema;
// tools/with_postgres.sh provides a server), skipped with a message otherwise. Schema,
// runs and results here; contention in store_concurrency_test.cc; fixture in
// store_test_fixture.h.
#include "platform/store/store.h"

#include <cmath>
#include <limits>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "platform/store/migrations.h"
#include "platform/store/sql_connection.h"
#include "platform/store/store_test_fixture.h"
#include "platform/store/store_url.h"

namespace vlmlab::store {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

// ---- Schema and migrations ----

TEST_P(StoreTest, MigratesAnEmptyStoreAndReopensWithoutMigratingAgain) {
  {
    absl::StatusOr<std::unique_ptr<SqlConnection>> raw = RawConnection(url_);
    ASSERT_TRUE(raw.ok()) << raw.status();
    EXPECT_EQ(*ReadSchemaVersion(**raw), 0);
  }
  ASSERT_EQ(Migrations().back().version, kSchemaVersion);
  {
    std::unique_ptr<Store> store = Open();
    ASSERT_NE(store, nullptr);
    EXPECT_EQ(store->engine(), GetParam() == Engine::kSqlite ? "sqlite" : "postgresql");
    EXPECT_EQ(*store->SchemaVersion(), kSchemaVersion);
    ASSERT_TRUE(store->EnsureSweep({"sw", "sweep", "axes {}", absl::Time()}).ok());
    RunDefinition run = MakeRun("r1");
    run.sweep_id = "sw";
    ASSERT_TRUE(store->UpsertRun(run).ok());
  }
  std::unique_ptr<Store> again = Open();
  ASSERT_NE(again, nullptr);
  EXPECT_EQ(*again->SchemaVersion(), kSchemaVersion);
  EXPECT_EQ(again->GetRun("r1")->sweep_id, "sw");
  EXPECT_EQ(CountRows("SELECT COUNT(*) FROM schema_version"),
            static_cast<int64_t>(Migrations().size()));
}

TEST_P(StoreTest, AppliesMigrationsInOrderAndAFailedOneChangesNothing) {
  absl::StatusOr<std::unique_ptr<SqlConnection>> raw = RawConnection(url_);
  ASSERT_TRUE(raw.ok()) << raw.status();
  SqlConnection& c = **raw;
  const std::vector<Migration> good = {
      {1, "t1", {"CREATE TABLE t1 (x BIGINT)", "INSERT INTO t1 (x) VALUES (1)"}},
      {2, "t2 from t1", {"CREATE TABLE t2 (y BIGINT)", "INSERT INTO t2 (y) SELECT x + 1 FROM t1"}},
  };
  ASSERT_TRUE(ApplyMigrations(c, absl::MakeConstSpan(good).subspan(0, 1)).ok());
  EXPECT_EQ(*ReadSchemaVersion(c), 1);
  ASSERT_TRUE(ApplyMigrations(c, good).ok());
  EXPECT_EQ(*ReadSchemaVersion(c), 2);
  EXPECT_EQ(*c.Execute("SELECT y FROM t2")->rows.at(0).Int(0), 2);  // ran after t1's

  std::vector<Migration> bad = good;
  bad.push_back({3, "broken", {"CREATE TABLE t3 (z BIGINT)", "THIS IS NOT SQL"}});
  absl::Status status = ApplyMigrations(c, bad);
  EXPECT_FALSE(status.ok());
  EXPECT_THAT(std::string(status.message()), HasSubstr("schema version 3"));
  EXPECT_EQ(*ReadSchemaVersion(c), 2);
  EXPECT_FALSE(c.Execute("SELECT COUNT(*) FROM t3").ok());  // rolled back with the rest
}

TEST_P(StoreTest, RefusesAStoreWithANewerSchema) {
  ASSERT_NE(Open(), nullptr);
  {
    absl::StatusOr<std::unique_ptr<SqlConnection>> raw = RawConnection(url_);
    ASSERT_TRUE(raw.ok());
    ASSERT_TRUE((*raw)
                    ->Execute("INSERT INTO schema_version (version, description, applied_at_us) "
                              "VALUES (99, 'from the future', 0)")
                    .ok());
  }
  absl::StatusOr<std::unique_ptr<Store>> store = OpenStore(url_);
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(
      std::string(store.status().message()),
      HasSubstr(absl::StrCat("schema version 99, newer than this vlmlab build knows (up to ",
                             kSchemaVersion, ")")));
  EXPECT_EQ(CountRows("SELECT COUNT(*) FROM schema_version"),
            static_cast<int64_t>(Migrations().size()) + 1);
}

// ---- Sweeps and runs ----

TEST_P(StoreTest, EnsureSweepIsIdempotentAndRefusesAChangedSweep) {
  std::unique_ptr<Store> store = Open();
  ASSERT_NE(store, nullptr);
  const absl::Time before = absl::Now() - absl::Seconds(1);
  ASSERT_TRUE(store->EnsureSweep({"b", "second", "spec b", absl::Time()}).ok());
  ASSERT_TRUE(store->EnsureSweep({"a", "first", "spec a", absl::Time()}).ok());
  ASSERT_TRUE(store->EnsureSweep({"b", "second", "spec b", absl::Time()}).ok());
  absl::Status changed = store->EnsureSweep({"b", "second", "spec B", absl::Time()});
  EXPECT_EQ(changed.code(), absl::StatusCode::kAlreadyExists);
  EXPECT_THAT(std::string(changed.message()), HasSubstr("sweep 'b'"));

  absl::StatusOr<SweepRecord> b = store->GetSweep("b");
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b->spec_text, "spec b");
  EXPECT_GE(b->created_at, before);
  EXPECT_LE(b->created_at, absl::Now() + absl::Seconds(1));
  EXPECT_EQ(store->GetSweep("zz").status().code(), absl::StatusCode::kNotFound);
  absl::StatusOr<std::vector<SweepRecord>> all = store->ListSweeps();
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ((*all)[0].id, "b");  // created first
  EXPECT_EQ((*all)[1].id, "a");
}

TEST_P(StoreTest, RunStatusTransitions) {
  std::unique_ptr<Store> store = Open();
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(store->UpsertRun(MakeRun("r")).ok());
  absl::StatusOr<RunRecord> run = store->GetRun("r");
  ASSERT_TRUE(run.ok());
  EXPECT_EQ(run->status, RunStatus::kPending);
  EXPECT_FALSE(run->started_at.has_value());
  EXPECT_EQ(run->sweep_id, std::nullopt);

  EXPECT_EQ(store->CompleteRun("r").code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_TRUE(*store->ClaimRun("r"));
  EXPECT_FALSE(*store->ClaimRun("r"));  // running
  run = store->GetRun("r");
  EXPECT_EQ(run->status, RunStatus::kRunning);
  EXPECT_TRUE(run->started_at.has_value());
  EXPECT_THAT(run->worker, HasSubstr(absl::StrCat(":", getpid())));

  ASSERT_TRUE(store->FailRun("r", "out of memory at step 12").ok());
  run = store->GetRun("r");
  EXPECT_EQ(run->status, RunStatus::kFailed);
  EXPECT_EQ(run->error, "out of memory at step 12");
  EXPECT_TRUE(run->finished_at.has_value());
  EXPECT_GE(*run->finished_at, *run->started_at);

  EXPECT_TRUE(*store->ClaimRun("r"));  // a failed run may be retried
  run = store->GetRun("r");
  EXPECT_EQ(run->error, "");
  EXPECT_FALSE(run->finished_at.has_value());
  ASSERT_TRUE(store->CompleteRun("r").ok());
  EXPECT_EQ(store->GetRun("r")->status, RunStatus::kCompleted);
  EXPECT_FALSE(*store->ClaimRun("r"));  // completed
  absl::Status fail_done = store->FailRun("r", "late");
  EXPECT_EQ(fail_done.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(fail_done.message()), HasSubstr("run 'r' is completed, not running"));

  ASSERT_TRUE(store->ResetRun("r").ok());
  run = store->GetRun("r");
  EXPECT_EQ(run->status, RunStatus::kPending);
  EXPECT_FALSE(run->started_at.has_value());
  EXPECT_FALSE(run->finished_at.has_value());

  EXPECT_EQ(store->ClaimRun("nope").status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(store->ResetRun("nope").code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(store->GetRun("nope").status().code(), absl::StatusCode::kNotFound);
}

TEST_P(StoreTest, UpsertRunUpdatesTheDefinitionKeepsTheStateAndReplacesFields) {
  std::unique_ptr<Store> store = Open();
  ASSERT_NE(store, nullptr);
  RunDefinition run = MakeRun("r");
  run.fields = {{"", "model.llm.gpt2.layers", "2"}, {"", "data.batch_size", "8"}};
  ASSERT_TRUE(store->UpsertRun(run).ok());
  ASSERT_TRUE(*store->ClaimRun("r"));
  ASSERT_TRUE(store->SetRunCost("r", {1000, 10, 64, std::nullopt, std::nullopt}).ok());
  ASSERT_TRUE(
      store->SetRunCost("r", {std::nullopt, std::nullopt, std::nullopt, 2.5e15, 123.25}).ok());

  run.variant = "renamed";
  run.seed = -3;
  run.fields = {{"", "model.llm.gpt2.layers", "4"}};
  ASSERT_TRUE(store->UpsertRun(run).ok());
  absl::StatusOr<RunRecord> got = store->GetRun("r");
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->variant, "renamed");
  EXPECT_EQ(got->seed, -3);
  EXPECT_EQ(got->status, RunStatus::kRunning);
  EXPECT_EQ(got->cost.parameters, 1000);
  EXPECT_EQ(got->cost.trainable_parameters, 10);
  EXPECT_EQ(got->cost.visual_tokens_per_image, 64);
  EXPECT_EQ(got->cost.train_flops, 2.5e15);
  EXPECT_EQ(got->cost.samples_per_second, 123.25);

  absl::StatusOr<std::vector<RunField>> fields = store->RunFields({"r"});
  ASSERT_TRUE(fields.ok());
  ASSERT_EQ(fields->size(), 1u);
  EXPECT_EQ((*fields)[0].run_id, "r");
  EXPECT_EQ((*fields)[0].path, "model.llm.gpt2.layers");
  EXPECT_EQ((*fields)[0].value, "4");

  run.fields = {{"", "a", "1"}, {"", "a", "2"}};
  EXPECT_EQ(store->UpsertRun(run).code(), absl::StatusCode::kInvalidArgument);
  run.fields.clear();
  run.sweep_id = "missing";
  absl::Status no_sweep = store->UpsertRun(run);
  EXPECT_EQ(no_sweep.code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(std::string(no_sweep.message()), HasSubstr("sweep 'missing'"));
  EXPECT_EQ(store->SetRunCost("nope", {}).code(), absl::StatusCode::kNotFound);
}

TEST_P(StoreTest, ListsRunsAllOrBySweepAndTheirFields) {
  std::unique_ptr<Store> store = Open();
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(store->EnsureSweep({"s1", "one", "x", absl::Time()}).ok());
  ASSERT_TRUE(store->EnsureSweep({"s2", "two", "y", absl::Time()}).ok());
  for (const auto& [id, sweep] : std::vector<std::pair<std::string, std::string>>{
           {"c", "s1"}, {"a", "s2"}, {"b", "s1"}, {"d", ""}}) {
    RunDefinition run = MakeRun(id);
    if (!sweep.empty()) run.sweep_id = sweep;
    run.fields = {{"", "sweep", sweep}, {"", "id", id}};
    ASSERT_TRUE(store->UpsertRun(run).ok());
  }
  auto ids = [](const absl::StatusOr<std::vector<RunRecord>>& runs) {
    std::vector<std::string> out;
    for (const RunRecord& r : *runs) out.push_back(r.id);
    return out;
  };
  EXPECT_THAT(ids(store->ListRuns("s1")), ElementsAre("c", "b"));  // creation order
  EXPECT_THAT(ids(store->ListRuns("s2")), ElementsAre("a"));
  EXPECT_THAT(ids(store->ListRuns("")), ElementsAre("c", "a", "b", "d"));
  EXPECT_TRUE(store->ListRuns("none")->empty());

  absl::StatusOr<std::vector<RunField>> fields = store->RunFields({"d", "b", "d", "zz"});
  ASSERT_TRUE(fields.ok());
  std::vector<std::string> flat;
  for (const RunField& f : *fields)
    flat.push_back(absl::StrCat(f.run_id, ":", f.path, "=", f.value));
  EXPECT_THAT(flat, ElementsAre("b:id=b", "b:sweep=s1", "d:id=d", "d:sweep="));
}

// ---- Results ----

TEST_P(StoreTest, ScalarsRoundTripExactly) {
  std::unique_ptr<Store> store = Open();
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(store->UpsertRun(MakeRun("r")).ok());
  ASSERT_TRUE(store->UpsertRun(MakeRun("q")).ok());
  const double inf = std::numeric_limits<double>::infinity();
  const double values[] = {0.1, 1.0 / 3.0, -2.5e-300, 1.7976931348623157e308, inf, -inf, 0.0};
  const absl::Time wall = absl::FromUnixMicros(1700000000123456);
  std::vector<ScalarPoint> points;
  for (int i = 0; i < 7; ++i) {
    points.push_back({"r", "pretrain", int64_t{1} << (i * 6), "loss", values[i], wall});
  }
  points.push_back({"r", "pretrain", 5, "lr", 3e-4, std::nullopt});
  points.push_back({"r", "finetune", 0, "loss", std::nan(""), std::nullopt});
  points.push_back({"q", "pretrain", 0, "loss", 9.0, std::nullopt});
  ASSERT_TRUE(store->AppendScalars(points).ok());
  // Writing a point again replaces it (a resumed run).
  ASSERT_TRUE(store->AppendScalars({{"r", "pretrain", 5, "lr", 2e-4, std::nullopt}}).ok());

  absl::StatusOr<std::vector<ScalarPoint>> got = store->Scalars({"r"}, {});
  ASSERT_TRUE(got.ok()) << got.status();
  ASSERT_EQ(got->size(), 9u);
  // By key, then stage, then step: loss/finetune, loss/pretrain x7, lr/pretrain.
  EXPECT_EQ((*got)[0].stage, "finetune");
  EXPECT_TRUE(std::isnan((*got)[0].value));
  EXPECT_FALSE((*got)[0].wall_time.has_value());
  for (int i = 0; i < 7; ++i) {
    const ScalarPoint& p = (*got)[1 + i];
    EXPECT_EQ(p.run_id, "r");
    EXPECT_EQ(p.key, "loss");
    EXPECT_EQ(p.stage, "pretrain");
    EXPECT_EQ(p.step, int64_t{1} << (i * 6));
    EXPECT_EQ(p.value, values[i]) << i;  // bit-exact, infinities included
    EXPECT_EQ(p.wall_time, wall);
  }
  EXPECT_EQ((*got)[8].key, "lr");
  EXPECT_EQ((*got)[8].value, 2e-4);

  absl::StatusOr<std::vector<ScalarPoint>> lr = store->Scalars({"q", "r"}, {"lr", "nothing"});
  ASSERT_TRUE(lr.ok());
  ASSERT_EQ(lr->size(), 1u);
  EXPECT_EQ((*lr)[0].run_id, "r");
  absl::StatusOr<std::vector<ScalarPoint>> both = store->Scalars({"r", "q"}, {"loss"});
  ASSERT_EQ(both->size(), 9u);
  EXPECT_EQ((*both)[0].run_id, "q");
  EXPECT_EQ(CountRows("SELECT COUNT(*) FROM scalars"), 10);
}

TEST_P(StoreTest, MetricsRoundTripAndReplace) {
  std::unique_ptr<Store> store = Open();
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(store->UpsertRun(MakeRun("r")).ok());
  ASSERT_TRUE(store
                  ->PutMetrics({{"r", "vqa", "vqa_accuracy/overall", 0.625, 0.5, 0.75, 400},
                                {"r", "vqa", "vqa_accuracy/blind_baseline/number", 0.25,
                                 std::nullopt, std::nullopt, std::nullopt},
                                {"r", "caption", "cider", 1.125, 1.0, 1.25, 50}})
                  .ok());
  ASSERT_TRUE(
      store->PutMetrics({{"r", "caption", "cider", 1.5, std::nullopt, std::nullopt, 60}}).ok());
  absl::StatusOr<std::vector<MetricRecord>> got = store->Metrics({"r"});
  ASSERT_TRUE(got.ok()) << got.status();
  ASSERT_EQ(got->size(), 3u);
  const MetricRecord& cider = (*got)[0];
  EXPECT_EQ(cider.evaluator, "caption");
  EXPECT_EQ(cider.value, 1.5);
  EXPECT_EQ(cider.ci_low, std::nullopt);
  EXPECT_EQ(cider.n, 60);
  EXPECT_EQ((*got)[1].key, "vqa_accuracy/blind_baseline/number");
  EXPECT_EQ((*got)[1].n, std::nullopt);
  EXPECT_EQ((*got)[2].key, "vqa_accuracy/overall");
  EXPECT_EQ((*got)[2].ci_low, 0.5);
  EXPECT_EQ((*got)[2].ci_high, 0.75);
  EXPECT_EQ((*got)[2].n, 400);
  EXPECT_TRUE(store->Metrics({"other"})->empty());
}

TEST_P(StoreTest, PredictionsPageAndFilterFailures) {
  std::unique_ptr<Store> store = Open();
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(store->UpsertRun(MakeRun("r")).ok());
  std::vector<PredictionRecord> batch;
  std::vector<std::string> failures;  // the expected failure keys, in order
  for (int i = 29; i >= 0; --i) {     // written out of order on purpose
    const double score = i % 3 == 0 ? 1.0 : (i % 3 == 1 ? 0.0 : 0.5);
    const std::string key = absl::StrFormat("ex%03d", i);
    batch.push_back({"r", "vqa", key,
                     absl::StrFormat(R"({"question":"q%d","prediction":"p","score":%g})", i, score),
                     std::nullopt});
  }
  for (int i = 0; i < 30; ++i) {
    if (i % 3 != 0) failures.push_back(absl::StrFormat("ex%03d", i));
  }
  batch.push_back({"r", "vqa", "ex100", R"({"question":"no score"})", std::nullopt});
  batch.push_back({"r", "vqa", "ex101", R"({"score":1})", 0.25});  // given score wins
  failures.push_back("ex101");
  batch.push_back({"r", "other", "ex000", R"({"score":0})", std::nullopt});
  ASSERT_TRUE(store->PutPredictions(batch).ok());

  absl::StatusOr<PredictionPage> page = store->Predictions({"r", "vqa", 5, 7, false});
  ASSERT_TRUE(page.ok()) << page.status();
  EXPECT_EQ(page->total, 32);
  ASSERT_EQ(page->rows.size(), 7u);
  for (int i = 0; i < 7; ++i)
    EXPECT_EQ(page->rows[i].example_key, absl::StrFormat("ex%03d", 5 + i));
  EXPECT_EQ(page->rows[0].json, R"({"question":"q5","prediction":"p","score":0.5})");
  EXPECT_EQ(page->rows[0].score, 0.5);

  page = store->Predictions({"r", "vqa", 0, 100, true});
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(page->total, static_cast<int64_t>(failures.size()));
  std::vector<std::string> keys;
  for (const PredictionRecord& p : page->rows) keys.push_back(p.example_key);
  EXPECT_EQ(keys, failures);
  page = store->Predictions({"r", "vqa", 19, 10, true});
  ASSERT_EQ(page->rows.size(), 2u);
  EXPECT_EQ(page->rows[0].example_key, failures[19]);

  page = store->Predictions({"r", "vqa", 30, 10, false});
  ASSERT_EQ(page->rows.size(), 2u);
  EXPECT_EQ(page->rows[0].score, std::nullopt);  // no score anywhere
  EXPECT_EQ(page->rows[1].score, 0.25);
  EXPECT_EQ(store->Predictions({"r", "vqa", -1, 10, false}).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_P(StoreTest, ResultsForAnUnknownRunWriteNothing) {
  std::unique_ptr<Store> store = Open();
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(store->UpsertRun(MakeRun("r")).ok());
  absl::Status s = store->AppendScalars(
      {{"r", "s", 0, "loss", 1.0, std::nullopt}, {"ghost", "s", 0, "loss", 1.0, std::nullopt}});
  EXPECT_EQ(s.code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(std::string(s.message()), HasSubstr("run 'ghost'"));
  EXPECT_EQ(store->PutMetrics({{"ghost", "e", "k", 1, {}, {}, {}}}).code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(store->PutPredictions({{"ghost", "e", "k", "{}", {}}}).code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(CountRows("SELECT COUNT(*) FROM scalars"), 0);  // the batch is all or nothing
}

TEST_P(StoreTest, RejectsTextBothEnginesCannotKeep) {
  std::unique_ptr<Store> store = Open();
  ASSERT_NE(store, nullptr);
  RunDefinition bad = MakeRun("r");
  bad.spec_text = std::string("a\0b", 3);
  absl::Status s = store->UpsertRun(bad);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(s.message()), HasSubstr("run 'r' spec_text contains a NUL byte"));
  bad.spec_text = "ok";
  bad.variant = "caf\xC3";  // truncated UTF-8
  s = store->UpsertRun(bad);
  EXPECT_THAT(std::string(s.message()), HasSubstr("run 'r' variant is not valid UTF-8"));
  EXPECT_EQ(store->UpsertRun(MakeRun("")).code(), absl::StatusCode::kInvalidArgument);

  ASSERT_TRUE(store->UpsertRun(MakeRun("r")).ok());
  s = store->PutPredictions({{"r", "vqa", "e1", "{not json", std::nullopt}});
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(s.message()), HasSubstr("example 'e1' json is not a JSON object"));
  EXPECT_EQ(store->PutPredictions({{"r", "vqa", "e1", "[1, 2]", std::nullopt}}).code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(store->AppendScalars({{"r", "s", 0, "", 1.0, std::nullopt}}).code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(CountRows("SELECT COUNT(*) FROM predictions"), 0);
}

TEST_P(StoreTest, UnicodeAndMarkupRoundTripUnchanged) {
  std::unique_ptr<Store> store = Open();
  ASSERT_NE(store, nullptr);
  const std::string script = "<script>alert(\"x\")</script>";
  const std::string injection = "r'); DROP TABLE runs; --";
  const std::string unicode = "Zürich 東京 🚀 ﷽ e\xCC\x81 \"quoted\" \\back\\slash\n\ttab";
  ASSERT_TRUE(store->EnsureSweep({unicode, script, unicode, absl::Time()}).ok());
  RunDefinition run = MakeRun(injection);
  run.sweep_id = unicode;
  run.variant = script;
  run.spec_text = absl::StrCat("name: \"", unicode, "\"");
  run.fields = {{"", unicode, script}, {"", "?", "$1"}};
  ASSERT_TRUE(store->UpsertRun(run).ok());
  ASSERT_TRUE(*store->ClaimRun(injection));
  ASSERT_TRUE(store->FailRun(injection, script).ok());
  ASSERT_TRUE(store->AppendScalars({{injection, unicode, 1, script, 0.5, std::nullopt}}).ok());
  ASSERT_TRUE(store->PutMetrics({{injection, script, unicode, 0.5, {}, {}, {}}}).ok());
  const std::string json =
      absl::StrCat(R"({"question":")", unicode, R"(","prediction":")", script, R"(","score":0})");
  // The JSON above has a raw newline and tab inside a string: not valid JSON, so escape them.
  const std::string valid_json =
      R"({"question":"Zürich 東京 🚀 \n","prediction":"<script>alert(\"x\")</script>","score":0})";
  ASSERT_FALSE(store->PutPredictions({{injection, script, unicode, json, std::nullopt}}).ok());
  ASSERT_TRUE(store->PutPredictions({{injection, script, unicode, valid_json, std::nullopt}}).ok());

  absl::StatusOr<SweepRecord> sweep = store->GetSweep(unicode);
  ASSERT_TRUE(sweep.ok()) << sweep.status();
  EXPECT_EQ(sweep->name, script);
  EXPECT_EQ(sweep->spec_text, unicode);
  absl::StatusOr<RunRecord> got = store->GetRun(injection);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->variant, script);
  EXPECT_EQ(got->error, script);
  EXPECT_EQ(got->spec_text, run.spec_text);
  EXPECT_EQ(got->sweep_id, unicode);
  EXPECT_EQ(store->ListRuns(unicode)->size(), 1u);
  absl::StatusOr<std::vector<RunField>> fields = store->RunFields({injection});
  ASSERT_EQ(fields->size(), 2u);
  EXPECT_EQ((*fields)[0].path, "?");
  EXPECT_EQ((*fields)[0].value, "$1");
  EXPECT_EQ((*fields)[1].path, unicode);
  EXPECT_EQ((*fields)[1].value, script);
  absl::StatusOr<std::vector<ScalarPoint>> scalars = store->Scalars({injection}, {script});
  ASSERT_EQ(scalars->size(), 1u);
  EXPECT_EQ((*scalars)[0].stage, unicode);
  absl::StatusOr<std::vector<MetricRecord>> metrics = store->Metrics({injection});
  ASSERT_EQ(metrics->size(), 1u);
  EXPECT_EQ((*metrics)[0].evaluator, script);
  EXPECT_EQ((*metrics)[0].key, unicode);
  absl::StatusOr<PredictionPage> page = store->Predictions({injection, script, 0, 10, true});
  ASSERT_EQ(page->rows.size(), 1u);
  EXPECT_EQ(page->rows[0].example_key, unicode);
  EXPECT_EQ(page->rows[0].json, valid_json);
  EXPECT_EQ(CountRows("SELECT COUNT(*) FROM runs"), 1);  // the injection stayed a string
}

INSTANTIATE_TEST_SUITE_P(Engines, StoreTest, ::testing::Values(Engine::kSqlite, Engine::kPostgres),
                         EngineName);

}  // namespace
}  // namespace vlmlab::store
