// The Store contract suite's fixture, shared by store_test.cc (schema, runs, results) and
// store_concurrency_test.cc (concurrent threads and processes): each test gets a fresh SQLite
// file in a temporary directory or, when VLMLAB_TEST_POSTGRES_URL is set, a fresh PostgreSQL
// schema; PostgreSQL cases are skipped with a message otherwise.
//
//   TEST_P(StoreTest, Something) { std::unique_ptr<Store> store = Open(); ... }
//   INSTANTIATE_TEST_SUITE_P(Engines, StoreTest,
//                            ::testing::Values(Engine::kSqlite, Engine::kPostgres), EngineName);
#ifndef VLMLAB_PLATFORM_STORE_STORE_TEST_FIXTURE_H_
#define VLMLAB_PLATFORM_STORE_STORE_TEST_FIXTURE_H_

#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <memory>
#include <ostream>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "platform/store/sql_connection.h"
#include "platform/store/store.h"
#include "platform/store/store_url.h"

namespace vlmlab::store {

enum class Engine { kSqlite, kPostgres };

inline void PrintTo(Engine e, std::ostream* os) {
  *os << (e == Engine::kSqlite ? "sqlite" : "postgresql");
}

inline std::string EngineName(const ::testing::TestParamInfo<Engine>& info) {
  return info.param == Engine::kSqlite ? "Sqlite" : "Postgres";
}

class StoreTest : public ::testing::TestWithParam<Engine> {
 protected:
  void SetUp() override {
    static int counter = 0;
    ++counter;
    if (GetParam() == Engine::kPostgres) {
      const char* base = std::getenv("VLMLAB_TEST_POSTGRES_URL");
      if (base == nullptr || *base == '\0') {
        GTEST_SKIP() << "VLMLAB_TEST_POSTGRES_URL is not set; run under tools/with_postgres.sh "
                        "with --test_env=VLMLAB_TEST_POSTGRES_URL to test PostgreSQL";
      }
      // A fresh schema per test, first on the search path of every connection.
      schema_ = absl::StrFormat("vlmlab_test_%d_%d_%d", getpid(), counter,
                                absl::ToUnixMicros(absl::Now()) % 1000000);
      admin_url_ = std::string(base);
      absl::StatusOr<std::unique_ptr<SqlConnection>> admin = RawConnection(admin_url_);
      ASSERT_TRUE(admin.ok()) << admin.status();
      ASSERT_TRUE((*admin)->Execute(absl::StrCat("CREATE SCHEMA ", schema_)).ok());
      url_ = absl::StrCat(base, absl::StrContains(base, "?") ? "&" : "?",
                          "options=-c%20search_path%3D", schema_);
    } else {
      const char* tmp = std::getenv("TEST_TMPDIR");
      std::string pattern = absl::StrCat(tmp != nullptr ? tmp : "/tmp", "/store_test.XXXXXX");
      ASSERT_NE(mkdtemp(pattern.data()), nullptr);
      dir_ = pattern;
      url_ = absl::StrCat("sqlite:", dir_, "/results.db");
    }
  }

  void TearDown() override {
    if (!schema_.empty()) {
      absl::StatusOr<std::unique_ptr<SqlConnection>> admin = RawConnection(admin_url_);
      if (admin.ok()) (void)(*admin)->Execute(absl::StrCat("DROP SCHEMA ", schema_, " CASCADE"));
    }
    if (!dir_.empty()) std::filesystem::remove_all(dir_);
  }

  static absl::StatusOr<std::unique_ptr<SqlConnection>> RawConnection(const std::string& url) {
    absl::StatusOr<StoreUrl> parsed = ParseStoreUrl(url);
    if (!parsed.ok()) return parsed.status();
    return OpenSqlConnection(*parsed);
  }

  std::unique_ptr<Store> Open() {
    absl::StatusOr<std::unique_ptr<Store>> store = OpenStore(url_);
    EXPECT_TRUE(store.ok()) << store.status();
    return store.ok() ? std::move(*store) : nullptr;
  }

  static RunDefinition MakeRun(const std::string& id) {
    RunDefinition run;
    run.id = id;
    run.variant = absl::StrCat("variant of ", id);
    run.seed = 7;
    run.spec_hash = "0123456789abcdef";
    run.spec_text = absl::StrCat("name: \"", id, "\"\n");
    return run;
  }

  // Counts rows with a raw connection, independently of the Store's queries.
  int64_t CountRows(const std::string& sql) {
    absl::StatusOr<std::unique_ptr<SqlConnection>> c = RawConnection(url_);
    EXPECT_TRUE(c.ok()) << c.status();
    if (!c.ok()) return -1;
    absl::StatusOr<SqlResult> r = (*c)->Execute(sql);
    EXPECT_TRUE(r.ok()) << r.status();
    if (!r.ok()) return -1;
    return *r->rows.at(0).Int(0);
  }

  std::string url_;
  std::string dir_;
  std::string schema_;
  std::string admin_url_;
};

}  // namespace vlmlab::store

#endif  // VLMLAB_PLATFORM_STORE_STORE_TEST_FIXTURE_H_
