// Question answers agree with the scene, and questions are unambiguous: every object a
// question names is the only one matching its description.
#include "platform/data/synth/questions.h"

#include <map>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gtest/gtest.h"
#include "platform/data/synth/world_image.h"

namespace vlmlab {
namespace {

// Objects matching a noun phrase like "small red circle", "red object", "circle".
std::vector<const SceneObject*> Matching(const Scene& scene, absl::string_view phrase) {
  std::vector<const SceneObject*> out;
  std::vector<std::string> words = absl::StrSplit(phrase, ' ');
  for (const SceneObject& o : scene.objects) {
    bool ok = true;
    for (const std::string& w : words) {
      if (w == "object") continue;
      if (w == "small" || w == "large") {
        ok &= o.large == (w == "large");
        continue;
      }
      bool known = false;
      for (int c = 0; c < kNumColors; ++c) {
        if (w == kColors[c].name) {
          ok &= o.color == c;
          known = true;
        }
      }
      for (int s = 0; s < kNumShapes; ++s) {
        if (w == ShapeName(static_cast<ShapeKind>(s))) {
          ok &= o.shape == static_cast<ShapeKind>(s);
          known = true;
        }
      }
      EXPECT_TRUE(known) << "unknown word '" << w << "' in '" << phrase << "'";
    }
    if (ok) out.push_back(&o);
  }
  return out;
}

// The text between `prefix` and `suffix` when `s` has both.
bool Between(const std::string& s, absl::string_view prefix, absl::string_view suffix,
             std::string* middle) {
  if (s.size() < prefix.size() + suffix.size() || !absl::StartsWith(s, prefix) ||
      !absl::EndsWith(s, suffix)) {
    return false;
  }
  *middle = s.substr(prefix.size(), s.size() - prefix.size() - suffix.size());
  return true;
}

TEST(QuestionsTest, SceneAnswersAreGroundedAndUnambiguous) {
  SynthConfig c;
  c.max_objects = 6;
  std::map<std::string, int> types, exists_answers;
  for (uint64_t seed = 0; seed < 200; ++seed) {
    WorldImage w = DrawWorldImage(c, WorldKind::kScene, seed).value();
    SynthRng rng(seed);
    for (const SynthQuestion& q : ImageQuestions(w, &rng)) {
      ++types[q.question_type];
      ASSERT_FALSE(q.distractors.empty()) << q.question;
      for (const std::string& d : q.distractors) EXPECT_NE(d, q.answer) << q.question;
      std::string ref, rest;
      if (Between(q.question, "What color is the ", "?", &ref)) {
        auto m = Matching(w.scene, ref);
        ASSERT_EQ(m.size(), 1u) << q.question;
        EXPECT_EQ(q.answer, kColors[m[0]->color].name);
      } else if (Between(q.question, "What shape is the ", "?", &ref)) {
        auto m = Matching(w.scene, ref);
        ASSERT_EQ(m.size(), 1u) << q.question;
        EXPECT_EQ(q.answer, ShapeName(m[0]->shape));
      } else if (Between(q.question, "Is the ", " small or large?", &ref)) {
        auto m = Matching(w.scene, ref);
        ASSERT_EQ(m.size(), 1u) << q.question;
        EXPECT_EQ(q.answer, m[0]->large ? "large" : "small");
      } else if (Between(q.question, "Is there a ", "?", &ref)) {
        EXPECT_EQ(q.answer, Matching(w.scene, ref).empty() ? "no" : "yes") << q.question;
        ++exists_answers[q.answer];
      } else if (Between(q.question, "Is the ", "?", &rest)) {
        // Spatial: "Is the A left of|right of|above|below the B?"
        bool matched = false;
        for (absl::string_view rel :
             {" left of the ", " right of the ", " above the ", " below the "}) {
          size_t at = rest.find(std::string(rel));
          if (at == std::string::npos) continue;
          matched = true;
          auto a = Matching(w.scene, rest.substr(0, at));
          auto b = Matching(w.scene, rest.substr(at + rel.size()));
          ASSERT_EQ(a.size(), 1u) << q.question;
          ASSERT_EQ(b.size(), 1u) << q.question;
          bool yes = rel == " left of the "    ? a[0]->cx < b[0]->cx
                     : rel == " right of the " ? a[0]->cx > b[0]->cx
                     : rel == " above the "    ? a[0]->cy < b[0]->cy
                                               : a[0]->cy > b[0]->cy;
          // Never a near-tie: the shapes' boxes are apart along the asked axis.
          const bool horizontal = rel == " left of the " || rel == " right of the ";
          const TextBox &ba = a[0]->bbox, &bb = b[0]->bbox;
          EXPECT_TRUE(horizontal ? (ba.x1 <= bb.x0 || bb.x1 <= ba.x0)
                                 : (ba.y1 <= bb.y0 || bb.y1 <= ba.y0))
              << q.question;
          EXPECT_EQ(q.answer, yes ? "yes" : "no") << q.question;
        }
        EXPECT_TRUE(matched) << q.question;
      } else if (Between(q.question, "How many ", " are there?", &ref)) {
        std::string phrase = ref == "shapes" ? "" : ref;
        if (absl::EndsWith(phrase, " shapes")) phrase = phrase.substr(0, phrase.size() - 7);
        if (absl::EndsWith(phrase, "s")) phrase.pop_back();  // circles -> circle
        auto m = phrase.empty() ? Matching(w.scene, "object") : Matching(w.scene, phrase);
        EXPECT_EQ(q.answer, absl::StrCat(m.size())) << q.question;
      } else {
        ADD_FAILURE() << "unexpected question " << q.question;
      }
    }
  }
  for (const char* t : {"count", "color", "shape", "size", "spatial", "exists"}) {
    EXPECT_GT(types[t], 30) << t;
  }
  // Absent objects are asked about as often as present ones.
  EXPECT_EQ(exists_answers["yes"], exists_answers["no"]);
}

std::string Normalise(std::string a) {
  a = absl::AsciiStrToLower(a);
  static const std::map<std::string, std::string> kDigits = {
      {"zero", "0"}, {"one", "1"},   {"two", "2"},   {"three", "3"}, {"four", "4"}, {"five", "5"},
      {"six", "6"},  {"seven", "7"}, {"eight", "8"}, {"nine", "9"},  {"ten", "10"}};
  auto it = kDigits.find(a);
  return it == kDigits.end() ? a : it->second;
}

TEST(QuestionsTest, AnnotatorNoiseNeverChangesTheMajority) {
  SynthConfig c;
  int variants = 0, dissents = 0, questions = 0;
  for (WorldKind kind : {WorldKind::kScene, WorldKind::kDocument, WorldKind::kChart}) {
    for (uint64_t seed = 0; seed < 80; ++seed) {
      WorldImage w = DrawWorldImage(c, kind, seed).value();
      SynthRng rng(seed);
      for (const SynthQuestion& q : ImageQuestions(w, &rng)) {
        std::vector<std::string> answers = AnnotatorAnswers(q, &rng);
        ASSERT_EQ(answers.size(), 10u);
        std::map<std::string, int> raw;
        int normalised_agree = 0;
        for (const std::string& a : answers) {
          ++raw[a];
          normalised_agree += Normalise(a) == Normalise(q.answer);
          variants += a != q.answer && Normalise(a) == Normalise(q.answer);
        }
        dissents += 10 - normalised_agree;
        EXPECT_GE(normalised_agree, 9) << q.question;
        for (const auto& [a, n] : raw) {
          if (a != q.answer) EXPECT_LT(n, raw[q.answer]) << q.question;
        }
        ++questions;
      }
    }
  }
  EXPECT_GT(variants, questions / 2);  // noise exists...
  EXPECT_GT(dissents, questions / 20);
  EXPECT_LT(dissents, questions / 4);  // ...but is rare
}

TEST(QuestionsTest, DocumentAndChartAnswersMatchTheirDescriptions) {
  SynthConfig c;
  c.image_size = 200;
  for (uint64_t seed = 0; seed < 30; ++seed) {
    WorldImage doc = DrawWorldImage(c, WorldKind::kDocument, seed).value();
    SynthRng rng(seed);
    for (const SynthQuestion& q : ImageQuestions(doc, &rng)) {
      EXPECT_EQ(q.question_type, "ocr");
      std::string n;
      if (q.question == "What is the first word?") {
        EXPECT_EQ(q.answer, doc.document.words[0].text);
      } else if (Between(q.question, "What is written on line ", "?", &n)) {
        EXPECT_EQ(q.answer, doc.document.lines[std::stoi(n) - 1]);
      } else if (q.question == "How many lines of text are there?") {
        EXPECT_EQ(q.answer, absl::StrCat(doc.document.lines.size()));
      }
    }
    WorldImage chart = DrawWorldImage(c, WorldKind::kChart, seed).value();
    for (const SynthQuestion& q : ImageQuestions(chart, &rng)) {
      std::string label;
      if (Between(q.question, "What is the value of ", "?", &label)) {
        for (const ChartBar& bar : chart.chart.bars) {
          if (bar.label == label) EXPECT_EQ(q.answer, absl::StrCat(bar.value));
        }
      } else if (q.question == "Which bar is the tallest?") {
        int tallest = 0;
        for (const ChartBar& bar : chart.chart.bars) {
          if (bar.label == q.answer) tallest = bar.bbox.y1 - bar.bbox.y0;
        }
        for (const ChartBar& bar : chart.chart.bars) {
          if (bar.label != q.answer) EXPECT_LT(bar.bbox.y1 - bar.bbox.y0, tallest);
        }
      }
    }
  }
}

}  // namespace
}  // namespace vlmlab
