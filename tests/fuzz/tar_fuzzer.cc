// Fuzzes the tar reader behind WebDataset shards: every member of arbitrary bytes, with the
// reader going on after bad members, bounded in steps; and shard-name brace expansion.
#include <cstdint>

#include "platform/data/tar_reader.h"
#include "platform/data/webdataset.h"
#include "tests/fuzz/fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string bytes = vlmlab::fuzz::FuzzString(data, size);
  std::unique_ptr<vlmlab::data::TarReader> reader =
      vlmlab::data::TarReader::FromBytes(bytes, "fuzz.tar");
  for (int step = 0; step < 10000; ++step) {  // the reader must end: this bounds a bug
    absl::StatusOr<std::optional<vlmlab::data::TarMember>> m = reader->Next();
    if (m.ok() && !m->has_value()) break;
  }
  (void)vlmlab::data::ExpandBraces(bytes.substr(0, 256), /*max_results=*/10000);
  return 0;
}
