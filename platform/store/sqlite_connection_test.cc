// SQLite engine specifics: file creation, WAL mode, and files that are not databases.
#include "platform/store/sqlite_connection.h"

#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "platform/store/store.h"

namespace vlmlab::store {
namespace {

using ::testing::HasSubstr;

std::string TempDir() {
  const char* tmp = std::getenv("TEST_TMPDIR");
  std::string pattern = absl::StrCat(tmp != nullptr ? tmp : "/tmp", "/sqlite_test.XXXXXX");
  return mkdtemp(pattern.data()) != nullptr ? pattern : "";
}

TEST(SqliteConnectionTest, CreatesParentDirectoriesAndUsesWal) {
  const std::string dir = TempDir();
  ASSERT_FALSE(dir.empty());
  const std::string path = absl::StrCat(dir, "/a/b/results.sqlite");
  absl::StatusOr<std::unique_ptr<Store>> store = OpenStore(path);
  ASSERT_TRUE(store.ok()) << store.status();
  EXPECT_EQ((*store)->url(), absl::StrCat("sqlite:", path));
  EXPECT_TRUE(std::filesystem::exists(path));

  absl::StatusOr<std::unique_ptr<SqlConnection>> raw =
      OpenSqliteConnection(*ParseStoreUrl(absl::StrCat("sqlite:", path)));
  ASSERT_TRUE(raw.ok());
  EXPECT_EQ(*(*raw)->Execute("PRAGMA journal_mode")->rows.at(0).Text(0), "wal");
  EXPECT_EQ(*(*raw)->Execute("PRAGMA foreign_keys")->rows.at(0).Int(0), 1);
  std::filesystem::remove_all(dir);
}

TEST(SqliteConnectionTest, AFileThatIsNotADatabaseIsAClearError) {
  const std::string dir = TempDir();
  ASSERT_FALSE(dir.empty());
  const std::string path = absl::StrCat(dir, "/notes.db");
  std::ofstream(path) << "these are my notes, not a database, and they go on for a while\n";
  absl::StatusOr<std::unique_ptr<Store>> store = OpenStore(path);
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(std::string(store.status().message()),
              HasSubstr(absl::StrCat("store sqlite:", path, ": file is not a database")));
  std::filesystem::remove_all(dir);
}

TEST(SqliteConnectionTest, AnImpossibleDirectoryIsAClearError) {
  const std::string dir = TempDir();
  ASSERT_FALSE(dir.empty());
  const std::string file = absl::StrCat(dir, "/plain");
  std::ofstream(file) << "x";
  absl::StatusOr<std::unique_ptr<Store>> store = OpenStore(absl::StrCat(file, "/sub/r.db"));
  ASSERT_FALSE(store.ok());
  EXPECT_THAT(std::string(store.status().message()), HasSubstr("cannot create directory"));
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace vlmlab::store
