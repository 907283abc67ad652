#include "platform/nn/name_pattern.h"

#include "gtest/gtest.h"

namespace vlmlab::nn {
namespace {

TEST(GlobMatch, StarsCrossDotsAndTheWholeNameMustMatch) {
  EXPECT_TRUE(GlobMatch("encoder.*", "encoder.blocks.0.attn.qkv.weight"));
  EXPECT_TRUE(GlobMatch("*.bias", "projector.layers.1.bias"));
  EXPECT_TRUE(GlobMatch("*", "anything.at.all"));
  EXPECT_TRUE(GlobMatch("blocks.?.mlp.*", "blocks.3.mlp.fc.weight"));
  EXPECT_TRUE(GlobMatch("*attn*weight", "llm.layers.2.attn.q_proj.weight"));
  EXPECT_TRUE(GlobMatch("fc.weight", "fc.weight"));
  EXPECT_FALSE(GlobMatch("encoder", "encoder.fc.weight"));
  EXPECT_FALSE(GlobMatch("encoder.*", "encoder2.fc.weight"));
  EXPECT_FALSE(GlobMatch("*.bias", "fc.bias_scale"));
  EXPECT_FALSE(GlobMatch("blocks.?.mlp.*", "blocks.12.mlp.fc.weight"));
  EXPECT_FALSE(GlobMatch("", "x"));
  EXPECT_TRUE(GlobMatch("", ""));
  EXPECT_TRUE(GlobMatch("a*b*c", "a.b.b.c"));
  EXPECT_FALSE(GlobMatch("a*b*c", "a.c.b"));
}

}  // namespace
}  // namespace vlmlab::nn
