// ScalarFieldText: the exact (hash) and shortest (display) forms of floats, quoted and raw
// strings, enums, bools and repeated elements.
#include "platform/spec/field_text.h"

#include <cstdlib>
#include <string>

#include "google/protobuf/wrappers.pb.h"
#include "gtest/gtest.h"
#include "platform/spec/datasets.pb.h"
#include "platform/spec/stages.pb.h"

namespace vlmlab {
namespace {

std::string Text(const google::protobuf::Message& m, const std::string& field, int index,
                 FloatFormat floats, StringFormat strings) {
  return ScalarFieldText(m, m.GetDescriptor()->FindFieldByName(field), index, floats, strings);
}

TEST(FieldTextTest, FloatsExactForTheHashShortestForPeople) {
  OptimizerSpec o;
  o.set_lr(1e-3f);
  EXPECT_EQ(Text(o, "lr", -1, FloatFormat::kSignificant, StringFormat::kQuoted), "0.00100000005");
  EXPECT_EQ(Text(o, "lr", -1, FloatFormat::kShortest, StringFormat::kRaw), "0.001");
  o.set_lr(1.0f / 3.0f);
  const std::string shortest = Text(o, "lr", -1, FloatFormat::kShortest, StringFormat::kRaw);
  EXPECT_EQ(std::strtof(shortest.c_str(), nullptr), 1.0f / 3.0f) << shortest;  // reads back
  EXPECT_EQ(shortest, "0.33333334");  // 8 digits: 7 do not read back

  google::protobuf::DoubleValue d;
  d.set_value(0.1);
  EXPECT_EQ(Text(d, "value", -1, FloatFormat::kSignificant, StringFormat::kQuoted),
            "0.10000000000000001");
  EXPECT_EQ(Text(d, "value", -1, FloatFormat::kShortest, StringFormat::kRaw), "0.1");
  EXPECT_EQ(ShortestDoubleText(1e300), "1e+300");
  EXPECT_EQ(ShortestFloatText(-0.5f), "-0.5");
}

TEST(FieldTextTest, StringsEnumsBoolsAndRepeatedElements) {
  WebDatasetOptions w;
  w.add_shards("a.tar");
  w.add_shards("b \"q\"\n.tar");
  EXPECT_EQ(Text(w, "shards", 1, FloatFormat::kShortest, StringFormat::kRaw), "b \"q\"\n.tar");
  EXPECT_EQ(Text(w, "shards", 1, FloatFormat::kSignificant, StringFormat::kQuoted),
            "\"b \\\"q\\\"\\n.tar\"");
  EXPECT_EQ(Text(w, "shards", 0, FloatFormat::kShortest, StringFormat::kQuoted), "\"a.tar\"");

  ScheduleSpec s;
  s.set_kind(ScheduleSpec::COSINE);
  EXPECT_EQ(Text(s, "kind", -1, FloatFormat::kShortest, StringFormat::kRaw), "COSINE");
  EXPECT_EQ(Text(s, "warmup_steps", -1, FloatFormat::kShortest, StringFormat::kRaw), "0");

  google::protobuf::BoolValue b;
  b.set_value(true);
  EXPECT_EQ(Text(b, "value", -1, FloatFormat::kShortest, StringFormat::kRaw), "true");
}

}  // namespace
}  // namespace vlmlab
