// VQA accuracy: the leave-one-out average, the human-answer processing quirks, breakdowns and
// the blind baseline, with hand-checked values.
#include "platform/metrics/vqa_accuracy.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "platform/metrics/vqa_blind_baseline.h"

namespace vlmlab::metrics {
namespace {

// `agree` humans answer `answer`, the other 10 - agree answer distinct other things.
std::vector<std::string> Humans(int agree, const std::string& answer) {
  std::vector<std::string> out(agree, answer);
  for (int i = agree; i < 10; ++i) out.push_back("other" + std::to_string(i));
  return out;
}

TEST(VqaAccuracyTest, LeaveOneOutAverageForOneToFourAgreeingHumans) {
  // k humans agree: the 10 - k subsets that keep all k give min(1, k/3); the k subsets that
  // leave one of them out give min(1, (k-1)/3). 1: 9/10 * 1/3 = 0.3; 2: (8 * 2/3 + 2 * 1/3)/10
  // = 0.6; 3: (7 * 1 + 3 * 2/3)/10 = 0.9; 4: (6 * 1 + 4 * 1)/10 = 1.
  EXPECT_DOUBLE_EQ(VqaAccuracy("cat", Humans(0, "cat")), 0.0);
  EXPECT_NEAR(VqaAccuracy("cat", Humans(1, "cat")), 0.3, 1e-12);
  EXPECT_NEAR(VqaAccuracy("cat", Humans(2, "cat")), 0.6, 1e-12);
  EXPECT_NEAR(VqaAccuracy("cat", Humans(3, "cat")), 0.9, 1e-12);
  EXPECT_NEAR(VqaAccuracy("cat", Humans(4, "cat")), 1.0, 1e-12);
  EXPECT_NEAR(VqaAccuracy("cat", Humans(10, "cat")), 1.0, 1e-12);
}

TEST(VqaAccuracyTest, CurrentScriptProcessesBothSidesOnlyWhenHumansDisagree) {
  // Humans not all identical: punctuation and digit/article processing on both sides.
  EXPECT_NEAR(VqaAccuracy("Two", Humans(3, "2")), 0.9, 1e-12);
  EXPECT_NEAR(VqaAccuracy("1,000", Humans(2, "1000")), 0.6, 1e-12);
  EXPECT_NEAR(VqaAccuracy("2", Humans(3, "two")), 0.9, 1e-12);  // the humans' "two" is "2" too
  std::vector<std::string> mixed(9, "yes!");
  mixed.push_back("no");
  EXPECT_NEAR(VqaAccuracy("yes", mixed), 1.0, 1e-12);
  // All identical: only newline/tab clean-up and strip, so case and punctuation count.
  EXPECT_NEAR(VqaAccuracy(" dog\n", Humans(10, "dog")), 1.0, 1e-12);
  EXPECT_DOUBLE_EQ(VqaAccuracy("A dog.", Humans(10, "dog")), 0.0);
  EXPECT_DOUBLE_EQ(VqaAccuracy("Red", Humans(10, "red")), 0.0);
  EXPECT_DOUBLE_EQ(VqaAccuracy("two", Humans(10, "2")), 0.0);
  // Identity is decided after the humans' own strip: " yes" and "yes" are identical.
  std::vector<std::string> padded = {" yes", "yes", "yes ", "yes", "yes",
                                     "yes",  "yes", "yes",  "yes", "yes"};
  EXPECT_DOUBLE_EQ(VqaAccuracy("Yes", padded), 0.0);
}

TEST(VqaAccuracyTest, Pre2021PredictionIsNormalisedHumansOnlyGetPunctuation) {
  const VqaScript old = VqaScript::kPre2021;
  EXPECT_NEAR(VqaAccuracy("Two", Humans(3, "2"), old), 0.9, 1e-12);
  EXPECT_NEAR(VqaAccuracy("1,000", Humans(2, "1000"), old), 0.6, 1e-12);
  EXPECT_NEAR(VqaAccuracy("A dog.", Humans(10, "dog"), old), 1.0, 1e-12);
  // Human answers are not number-mapped: "two" from a human never matches (the prediction
  // "two" becomes "2"). VQAv2's released answers are already normalised.
  EXPECT_DOUBLE_EQ(VqaAccuracy("two", Humans(10, "two"), old), 0.0);
  // Human answers get processPunctuation only when they are not all identical.
  EXPECT_DOUBLE_EQ(VqaAccuracy("yes", std::vector<std::string>(10, "yes."), old), 0.0);
  std::vector<std::string> mixed(9, "yes.");
  mixed.push_back("no");
  EXPECT_NEAR(VqaAccuracy("yes", mixed, old), 1.0, 1e-12);
  // ...and that processing is not stripped: "yes!" becomes "yes " and matches nothing.
  mixed.assign(9, "yes!");
  mixed.push_back("no");
  EXPECT_DOUBLE_EQ(VqaAccuracy("yes", mixed, old), 0.0);
}

TEST(VqaAccuracyTest, EmptyPredictionsAndAnswers) {
  EXPECT_DOUBLE_EQ(VqaAccuracy("", Humans(1, "cat")), 0.0);
  // An empty prediction matches empty human answers.
  EXPECT_NEAR(VqaAccuracy("", Humans(3, "")), 0.9, 1e-12);
  EXPECT_DOUBLE_EQ(VqaAccuracy("cat", {}), 0.0);
  EXPECT_NEAR(VqaAccuracy("its", Humans(4, "it's")), 0.0, 1e-12);
}

TEST(VqaAccuracyTest, ScoresBreakdownsAndMissing) {
  std::vector<VqaQuestion> qs(3);
  qs[0] = {"1", "10", "is it red?", "is the", "yes/no", "yes", Humans(10, "yes")};
  qs[1] = {"2", "10", "how many?", "how many", "number", "2", Humans(2, "2")};
  qs[2] = {"3", "11", "what is it?", "what is", "other", "cat", Humans(10, "cat")};
  const VqaScores s = ScoreVqa(qs, {{"1", "yes"}, {"2", "two"}});
  ASSERT_EQ(s.per_question.size(), 3u);
  EXPECT_NEAR(s.per_question[0], 1.0, 1e-12);
  EXPECT_NEAR(s.per_question[1], 0.6, 1e-12);
  EXPECT_DOUBLE_EQ(s.per_question[2], 0.0);  // missing: wrong
  EXPECT_EQ(s.missing, 1u);
  EXPECT_NEAR(s.overall, 1.6 / 3, 1e-12);
  EXPECT_NEAR(s.per_answer_type.at("number").mean, 0.6, 1e-12);
  EXPECT_EQ(s.per_answer_type.at("number").count, 1u);
  EXPECT_NEAR(s.per_answer_type.at("yes/no").mean, 1.0, 1e-12);
  EXPECT_NEAR(s.per_question_type.at("what is").mean, 0.0, 1e-12);
}

TEST(VqaBlindBaselineTest, MostFrequentAnswerPerQuestionTextThenOverall) {
  std::vector<VqaQuestion> train(3);
  train[0].question = "Is there a dog?";
  train[0].answers = {"yes", "yes", "no"};
  train[1].question = "is there dog";  // the same normalised text
  train[1].answers = {"no", "Yes"};
  train[2].question = "What color is the bus?";
  train[2].answers = {"red", "red", "blue", "red", "red"};
  const VqaBlindBaseline blind = VqaBlindBaseline::Fit(train);
  EXPECT_EQ(blind.Predict("Is there a dog?"), "yes");  // yes 3, no 2
  EXPECT_EQ(blind.Predict("what color is the bus"), "red");
  EXPECT_TRUE(blind.Seen("IS THERE A DOG"));
  EXPECT_FALSE(blind.Seen("How many cats?"));
  EXPECT_EQ(blind.fallback(), "red");  // red 4, yes 3, no 2, blue 1
  EXPECT_EQ(blind.Predict("How many cats?"), "red");

  std::vector<VqaQuestion> eval(2);
  eval[0] = {"7", "1", "Is there a dog?", "is there", "yes/no", "no", Humans(2, "yes")};
  eval[1] = {"8", "1", "How many cats?", "how many", "number", "3", Humans(10, "3")};
  const VqaScores s = ScoreVqa(eval, blind.PredictAll(eval));
  EXPECT_NEAR(s.per_question[0], 0.6, 1e-12);
  EXPECT_DOUBLE_EQ(s.per_question[1], 0.0);
  EXPECT_NEAR(s.overall, 0.3, 1e-12);
  EXPECT_NEAR(s.per_answer_type.at("yes/no").mean, 0.6, 1e-12);
}

TEST(VqaBlindBaselineTest, TiesGoToTheAlphabeticallyFirstAnswer) {
  std::vector<VqaQuestion> train(1);
  train[0].question = "q";
  train[0].answers = {"zebra", "apple"};
  EXPECT_EQ(VqaBlindBaseline::Fit(train).Predict("q"), "apple");
  EXPECT_EQ(VqaBlindBaseline::Fit({}).Predict("q"), "");
}

}  // namespace
}  // namespace vlmlab::metrics
