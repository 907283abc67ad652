#include "platform/data/synth/vocabulary.h"

#include "absl/strings/str_cat.h"

namespace vlmlab {

const NamedColor kColors[kNumColors] = {
    {"red", {220, 40, 40}},     {"orange", {245, 140, 20}}, {"yellow", {235, 215, 30}},
    {"green", {40, 165, 60}},   {"cyan", {30, 200, 215}},   {"blue", {40, 80, 225}},
    {"purple", {145, 60, 200}}, {"pink", {245, 120, 185}},
};

absl::string_view ShapeName(ShapeKind shape) {
  static constexpr absl::string_view kNames[kNumShapes] = {"circle",  "square", "triangle",
                                                           "diamond", "star",   "hexagon"};
  return kNames[static_cast<int>(shape)];
}

absl::string_view ShapePlural(ShapeKind shape) {
  static constexpr absl::string_view kNames[kNumShapes] = {"circles",  "squares", "triangles",
                                                           "diamonds", "stars",   "hexagons"};
  return kNames[static_cast<int>(shape)];
}

std::string NumberWord(int n) {
  static constexpr absl::string_view kWords[] = {
      "zero",     "one",     "two",     "three",     "four",     "five",     "six",
      "seven",    "eight",   "nine",    "ten",       "eleven",   "twelve",   "thirteen",
      "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen", "twenty"};
  if (n >= 0 && n <= 20) return std::string(kWords[n]);
  return absl::StrCat(n);
}

const std::vector<std::string>& DocumentWords() {
  static const auto* const words = new std::vector<std::string>{
      "the",    "a",     "red",    "fox",    "jumps",  "over",   "lazy",   "dog",    "sun",
      "moon",   "star",  "river",  "stone",  "tree",   "leaf",   "wind",   "rain",   "snow",
      "cold",   "warm",  "bright", "dark",   "small",  "large",  "quick",  "slow",   "green",
      "blue",   "gold",  "silver", "paper",  "pen",    "book",   "page",   "word",   "line",
      "city",   "road",  "bridge", "house",  "door",   "window", "table",  "chair",  "lamp",
      "clock",  "bird",  "fish",   "horse",  "mouse",  "cat",    "owl",    "bear",   "wolf",
      "apple",  "bread", "milk",   "honey",  "salt",   "sugar",  "tea",    "cup",    "plate",
      "ship",   "train", "plane",  "wheel",  "engine", "metal",  "wood",   "glass",  "sand",
      "north",  "south", "east",   "west",   "spring", "summer", "autumn", "winter", "night",
      "day",    "early", "late",   "first",  "last",   "near",   "far",    "open",   "close",
      "read",   "write", "draw",   "sing",   "walk",   "run",    "swim",   "fly",    "sleep",
      "dream",  "think", "build",  "grow",   "find",   "keep",   "give",   "take",   "make",
      "music",  "song",  "voice",  "story",  "map",    "key",    "box",    "coin",   "ring",
      "garden", "field", "hill",   "lake",   "sea",    "island", "forest", "cloud",  "storm",
      "seven",  "three", "nine",   "twelve", "ten",    "four",   "eight",  "one"};
  return *words;
}

const std::vector<std::string>& ChartLabels() {
  static const auto* const labels = new std::vector<std::string>{
      "cat", "dog", "fox", "owl", "bee", "cow", "pig", "hen", "ant", "elk",
      "yak", "emu", "ram", "eel", "bat", "ape", "jay", "koi", "gnu", "asp"};
  return *labels;
}

const std::vector<std::string>& ChartTitles() {
  static const auto* const titles = new std::vector<std::string>{
      "sales", "votes", "visits", "scores", "costs", "trees", "birds", "books", "songs", "games"};
  return *titles;
}

}  // namespace vlmlab
