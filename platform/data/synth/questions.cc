#include "platform/data/synth/questions.h"

#include <algorithm>
#include <map>
#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace vlmlab {
namespace {

using Objects = std::vector<SceneObject>;

std::string ColorName(int c) { return std::string(kColors[c].name); }
std::string Shape(ShapeKind s) { return std::string(ShapeName(s)); }
std::string SizeName(bool large) { return large ? "large" : "small"; }

// Numbers near n (not n, not negative) as strings.
std::vector<std::string> NumberDistractors(int n) {
  std::vector<std::string> out;
  for (int d : {1, -1, 2, 3, -2, 4}) {
    if (n + d >= 0 && out.size() < 3) out.push_back(absl::StrCat(n + d));
  }
  return out;
}

// Up to `k` names from `all` other than `answer`, in random order.
std::vector<std::string> OtherNames(std::vector<std::string> all, const std::string& answer, int k,
                                    SynthRng* rng) {
  all.erase(std::remove(all.begin(), all.end(), answer), all.end());
  std::sort(all.begin(), all.end());
  all.erase(std::unique(all.begin(), all.end()), all.end());
  rng->Shuffle(&all);
  if (static_cast<int>(all.size()) > k) all.resize(k);
  return all;
}

std::vector<std::string> AllColorNames() {
  std::vector<std::string> out;
  for (int c = 0; c < kNumColors; ++c) out.push_back(ColorName(c));
  return out;
}

std::vector<std::string> AllShapeNames() {
  std::vector<std::string> out;
  for (int s = 0; s < kNumShapes; ++s) out.push_back(Shape(static_cast<ShapeKind>(s)));
  return out;
}

template <typename Pred>
int CountIf(const Objects& objects, Pred pred) {
  return static_cast<int>(std::count_if(objects.begin(), objects.end(), pred));
}

// Noun phrases that pick out objects[i] uniquely, from the attributes allowed.
struct RefOptions {
  bool color = true, shape = true, size = true;
};

std::string UniqueRef(const Objects& objects, int i, RefOptions allow) {
  const SceneObject& o = objects[i];
  auto unique = [&](bool use_color, bool use_shape, bool use_size) {
    return CountIf(objects, [&](const SceneObject& p) {
             return (!use_color || p.color == o.color) && (!use_shape || p.shape == o.shape) &&
                    (!use_size || p.large == o.large);
           }) == 1;
  };
  // Shortest first.
  if (allow.shape && unique(false, true, false)) return Shape(o.shape);
  if (allow.color && !allow.shape && unique(true, false, false)) {
    return absl::StrCat(ColorName(o.color), " object");
  }
  if (allow.color && allow.shape && unique(true, true, false)) {
    return absl::StrCat(ColorName(o.color), " ", Shape(o.shape));
  }
  if (allow.size && allow.shape && !allow.color && unique(false, true, true)) {
    return absl::StrCat(SizeName(o.large), " ", Shape(o.shape));
  }
  if (allow.size && allow.color && !allow.shape && unique(true, false, true)) {
    return absl::StrCat(SizeName(o.large), " ", ColorName(o.color), " object");
  }
  if (allow.size && allow.color && allow.shape && unique(true, true, true)) {
    return absl::StrCat(SizeName(o.large), " ", ColorName(o.color), " ", Shape(o.shape));
  }
  return "";
}

SynthQuestion Make(std::string question, std::string answer, std::string answer_type,
                   std::string question_type, std::vector<std::string> distractors) {
  return SynthQuestion{std::move(question), std::move(answer), std::move(answer_type),
                       std::move(question_type), std::move(distractors)};
}

void SceneQuestions(const Scene& scene, SynthRng* rng, std::vector<SynthQuestion>* out) {
  const Objects& objects = scene.objects;
  const int n = static_cast<int>(objects.size());
  // Counting.
  out->push_back(
      Make("How many shapes are there?", absl::StrCat(n), "number", "count", NumberDistractors(n)));
  {
    ShapeKind shape = rng->Bernoulli(0.7) ? rng->Pick(objects).shape
                                          : static_cast<ShapeKind>(rng->Uniform(kNumShapes));
    int k = CountIf(objects, [&](const SceneObject& o) { return o.shape == shape; });
    out->push_back(Make(absl::StrCat("How many ", ShapePlural(shape), " are there?"),
                        absl::StrCat(k), "number", "count", NumberDistractors(k)));
    int color = rng->Bernoulli(0.7) ? rng->Pick(objects).color : rng->Uniform(kNumColors);
    k = CountIf(objects, [&](const SceneObject& o) { return o.color == color; });
    out->push_back(Make(absl::StrCat("How many ", ColorName(color), " shapes are there?"),
                        absl::StrCat(k), "number", "count", NumberDistractors(k)));
  }
  std::vector<int> order(n);
  for (int i = 0; i < n; ++i) order[i] = i;
  rng->Shuffle(&order);
  // Attributes of uniquely described objects; at most two questions of each type.
  int colors = 0, shapes = 0, sizes = 0;
  for (int i : order) {
    const SceneObject& o = objects[i];
    std::string ref = UniqueRef(objects, i, {false, true, true});
    if (!ref.empty() && colors < 2) {
      ++colors;
      out->push_back(Make(absl::StrCat("What color is the ", ref, "?"), ColorName(o.color), "other",
                          "color", OtherNames(AllColorNames(), ColorName(o.color), 3, rng)));
    }
    ref = UniqueRef(objects, i, {true, false, true});
    if (!ref.empty() && shapes < 2) {
      ++shapes;
      out->push_back(Make(absl::StrCat("What shape is the ", ref, "?"), Shape(o.shape), "other",
                          "shape", OtherNames(AllShapeNames(), Shape(o.shape), 3, rng)));
    }
    ref = UniqueRef(objects, i, {true, true, false});
    if (!ref.empty() && sizes < 1) {
      ++sizes;
      out->push_back(Make(absl::StrCat("Is the ", ref, " small or large?"), SizeName(o.large),
                          "other", "size", {SizeName(!o.large)}));
    }
  }
  // Spatial relations between objects in different columns (left/right) or rows (above/below).
  int spatial = 0;
  for (int a = 0; a < n && spatial < 2; ++a) {
    for (int b = 0; b < n && spatial < 2; ++b) {
      if (a == b || rng->Bernoulli(0.5)) continue;
      const SceneObject& oa = objects[order[a]];
      const SceneObject& ob = objects[order[b]];
      std::string ra = UniqueRef(objects, order[a], {}), rb = UniqueRef(objects, order[b], {});
      if (ra.empty() || rb.empty()) continue;
      std::vector<int> relations;  // 0 left of, 1 right of, 2 above, 3 below
      if (oa.col != ob.col) relations.insert(relations.end(), {0, 1});
      if (oa.row != ob.row) relations.insert(relations.end(), {2, 3});
      const int rel = rng->Pick(relations);
      static constexpr absl::string_view kWords[] = {"left of", "right of", "above", "below"};
      const bool yes = rel == 0   ? oa.col < ob.col
                       : rel == 1 ? oa.col > ob.col
                       : rel == 2 ? oa.row < ob.row
                                  : oa.row > ob.row;
      out->push_back(Make(absl::StrCat("Is the ", ra, " ", kWords[rel], " the ", rb, "?"),
                          yes ? "yes" : "no", "yes/no", "spatial", {yes ? "no" : "yes"}));
      ++spatial;
    }
  }
  // Existence: one present object, one absent colour-shape combination (hallucination probe).
  {
    const SceneObject& o = rng->Pick(objects);
    out->push_back(Make(absl::StrCat("Is there a ", ColorName(o.color), " ", Shape(o.shape), "?"),
                        "yes", "yes/no", "exists", {"no"}));
    std::vector<std::pair<int, ShapeKind>> absent;
    for (int c = 0; c < kNumColors; ++c) {
      for (int s = 0; s < kNumShapes; ++s) {
        const ShapeKind shape = static_cast<ShapeKind>(s);
        if (CountIf(objects,
                    [&](const SceneObject& p) { return p.color == c && p.shape == shape; }) == 0) {
          absent.push_back({c, shape});
        }
      }
    }
    const auto& [c, s] = rng->Pick(absent);
    out->push_back(Make(absl::StrCat("Is there a ", ColorName(c), " ", Shape(s), "?"), "no",
                        "yes/no", "exists", {"yes"}));
  }
}

std::string Ordinal(int k) {
  static constexpr absl::string_view kNames[] = {"first", "second", "third", "fourth", "fifth"};
  return k < 5 ? std::string(kNames[k]) : absl::StrCat(k + 1, "th");
}

void DocumentQuestions(const Document& doc, SynthRng* rng, std::vector<SynthQuestion>* out) {
  std::vector<std::string> words;
  for (const DocumentWord& w : doc.words) words.push_back(w.text);
  auto word_distractors = [&](const std::string& answer) {
    std::vector<std::string> pool = words;
    for (int i = 0; i < 6; ++i) pool.push_back(rng->Pick(DocumentWords()));
    return OtherNames(pool, answer, 3, rng);
  };
  out->push_back(Make("What is the first word?", words.front(), "other", "ocr",
                      word_distractors(words.front())));
  const int num_lines = static_cast<int>(doc.lines.size());
  const int line = rng->Uniform(num_lines);
  std::vector<std::string> other_lines = doc.lines;
  for (int i = 0; i < 3; ++i) {
    other_lines.push_back(absl::StrCat(rng->Pick(DocumentWords()), " ", doc.lines[line]));
  }
  out->push_back(Make(absl::StrCat("What is written on line ", line + 1, "?"), doc.lines[line],
                      "other", "ocr", OtherNames(other_lines, doc.lines[line], 3, rng)));
  const int last_line = rng->Uniform(num_lines);
  std::string last_word;
  for (const DocumentWord& w : doc.words) {
    if (w.line == last_line) last_word = w.text;
  }
  out->push_back(Make(absl::StrCat("What is the last word of the ", Ordinal(last_line), " line?"),
                      last_word, "other", "ocr", word_distractors(last_word)));
  out->push_back(Make("How many lines of text are there?", absl::StrCat(num_lines), "number", "ocr",
                      NumberDistractors(num_lines)));
}

void ChartQuestions(const Chart& chart, SynthRng* rng, std::vector<SynthQuestion>* out) {
  std::vector<std::string> labels, values;
  for (const ChartBar& bar : chart.bars) {
    labels.push_back(bar.label);
    values.push_back(absl::StrCat(bar.value));
  }
  const ChartBar& bar = rng->Pick(chart.bars);
  std::vector<std::string> value_pool = values;
  for (const std::string& v : NumberDistractors(bar.value)) value_pool.push_back(v);
  out->push_back(Make(absl::StrCat("What is the value of ", bar.label, "?"),
                      absl::StrCat(bar.value), "number", "chart",
                      OtherNames(value_pool, absl::StrCat(bar.value), 3, rng)));
  int best = 0, ties = 0;
  for (size_t i = 0; i < chart.bars.size(); ++i) {
    if (chart.bars[i].value > chart.bars[best].value) {
      best = static_cast<int>(i);
      ties = 0;
    } else if (i > 0 && chart.bars[i].value == chart.bars[best].value) {
      ++ties;
    }
  }
  if (ties == 0) {
    out->push_back(Make("Which bar is the tallest?", chart.bars[best].label, "other", "chart",
                        OtherNames(labels, chart.bars[best].label, 3, rng)));
  }
  out->push_back(Make("What is the title of the chart?", chart.title, "other", "chart",
                      OtherNames(ChartTitles(), chart.title, 3, rng)));
  const int n = static_cast<int>(chart.bars.size());
  out->push_back(
      Make("How many bars are there?", absl::StrCat(n), "number", "chart", NumberDistractors(n)));
}

// A surface form that VQA answer normalisation maps back to `answer`, or "" if none.
std::string Variant(const SynthQuestion& q) {
  int n = 0;
  if (q.answer_type == "number" && absl::SimpleAtoi(q.answer, &n) && n >= 0 && n <= 10) {
    return NumberWord(n);  // the VQA evaluation maps "zero".."ten" to digits
  }
  if (q.answer.empty() || !absl::ascii_islower(q.answer[0])) return "";
  std::string capitalised = q.answer;
  capitalised[0] = absl::ascii_toupper(capitalised[0]);  // the evaluation lower-cases
  return capitalised;
}

}  // namespace

std::vector<SynthQuestion> ImageQuestions(const WorldImage& world, SynthRng* rng) {
  std::vector<SynthQuestion> out;
  switch (world.kind) {
    case WorldKind::kScene:
      SceneQuestions(world.scene, rng, &out);
      break;
    case WorldKind::kDocument:
      DocumentQuestions(world.document, rng, &out);
      break;
    case WorldKind::kChart:
      ChartQuestions(world.chart, rng, &out);
      break;
  }
  // The same question twice (e.g. two count questions about the same colour) keeps the first.
  std::set<std::string> seen;
  std::vector<SynthQuestion> unique;
  for (SynthQuestion& q : out) {
    if (seen.insert(q.question).second) unique.push_back(std::move(q));
  }
  return unique;
}

const SynthQuestion& PickQuestion(const std::vector<SynthQuestion>& questions, SynthRng* rng) {
  CHECK(!questions.empty());
  std::vector<std::string> types;
  for (const SynthQuestion& q : questions) {
    if (std::find(types.begin(), types.end(), q.question_type) == types.end()) {
      types.push_back(q.question_type);
    }
  }
  const std::string& type = rng->Pick(types);
  std::vector<int> of_type;
  for (int i = 0; i < static_cast<int>(questions.size()); ++i) {
    if (questions[i].question_type == type) of_type.push_back(i);
  }
  return questions[rng->Pick(of_type)];
}

std::vector<std::string> AnnotatorAnswers(const SynthQuestion& q, SynthRng* rng) {
  const std::string variant = Variant(q);
  std::vector<std::string> answers;
  int variants = 0;
  for (int i = 0; i < 10; ++i) {
    // At most three variants and one dissent: the canonical form always has the most votes.
    const bool vary = !variant.empty() && variants < 3 && rng->Bernoulli(0.12);
    variants += vary;
    answers.push_back(vary ? variant : q.answer);
  }
  if (!q.distractors.empty() && rng->Bernoulli(0.15)) {
    answers[rng->Uniform(10)] = rng->Pick(q.distractors);
  }
  return answers;
}

}  // namespace vlmlab
