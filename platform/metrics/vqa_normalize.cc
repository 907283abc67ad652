#include "platform/metrics/vqa_normalize.h"

#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "platform/metrics/text_util.h"

namespace vlmlab::metrics {
namespace {

// The script's `punct` list, in its order (the order matters: each is replaced in turn).
constexpr const char* kPunct[] = {";",  "/", "[", "]", "\"", "{", "}", "(", ")", "=", "+",
                                  "\\", "_", "-", ">", "<",  "@", "`", ",", "?", "!"};

// The script's `manualMap`.
const absl::flat_hash_map<std::string, std::string>& NumberWords() {
  static const auto* map = new absl::flat_hash_map<std::string, std::string>{
      {"none", "0"}, {"zero", "0"}, {"one", "1"},   {"two", "2"},   {"three", "3"}, {"four", "4"},
      {"five", "5"}, {"six", "6"},  {"seven", "7"}, {"eight", "8"}, {"nine", "9"},  {"ten", "10"}};
  return *map;
}

// The script's `contractions` table, entry for entry. Its keys "Id've", "I'dve", "Im" and "Ive"
// can never match (the text is lowercased first) and "somebody'd" maps to "somebodyd"; both
// quirks are kept.
const absl::flat_hash_map<std::string, std::string>& Contractions() {
  static const auto* map = new absl::flat_hash_map<std::string, std::string>{
      {"aint", "ain't"},
      {"arent", "aren't"},
      {"cant", "can't"},
      {"couldve", "could've"},
      {"couldnt", "couldn't"},
      {"couldn'tve", "couldn't've"},
      {"couldnt've", "couldn't've"},
      {"didnt", "didn't"},
      {"doesnt", "doesn't"},
      {"dont", "don't"},
      {"hadnt", "hadn't"},
      {"hadnt've", "hadn't've"},
      {"hadn'tve", "hadn't've"},
      {"hasnt", "hasn't"},
      {"havent", "haven't"},
      {"hed", "he'd"},
      {"hed've", "he'd've"},
      {"he'dve", "he'd've"},
      {"hes", "he's"},
      {"howd", "how'd"},
      {"howll", "how'll"},
      {"hows", "how's"},
      {"Id've", "I'd've"},
      {"I'dve", "I'd've"},
      {"Im", "I'm"},
      {"Ive", "I've"},
      {"isnt", "isn't"},
      {"itd", "it'd"},
      {"itd've", "it'd've"},
      {"it'dve", "it'd've"},
      {"itll", "it'll"},
      {"let's", "let's"},
      {"maam", "ma'am"},
      {"mightnt", "mightn't"},
      {"mightnt've", "mightn't've"},
      {"mightn'tve", "mightn't've"},
      {"mightve", "might've"},
      {"mustnt", "mustn't"},
      {"mustve", "must've"},
      {"neednt", "needn't"},
      {"notve", "not've"},
      {"oclock", "o'clock"},
      {"oughtnt", "oughtn't"},
      {"ow's'at", "'ow's'at"},
      {"'ows'at", "'ow's'at"},
      {"'ow'sat", "'ow's'at"},
      {"shant", "shan't"},
      {"shed've", "she'd've"},
      {"she'dve", "she'd've"},
      {"she's", "she's"},
      {"shouldve", "should've"},
      {"shouldnt", "shouldn't"},
      {"shouldnt've", "shouldn't've"},
      {"shouldn'tve", "shouldn't've"},
      {"somebody'd", "somebodyd"},
      {"somebodyd've", "somebody'd've"},
      {"somebody'dve", "somebody'd've"},
      {"somebodyll", "somebody'll"},
      {"somebodys", "somebody's"},
      {"someoned", "someone'd"},
      {"someoned've", "someone'd've"},
      {"someone'dve", "someone'd've"},
      {"someonell", "someone'll"},
      {"someones", "someone's"},
      {"somethingd", "something'd"},
      {"somethingd've", "something'd've"},
      {"something'dve", "something'd've"},
      {"somethingll", "something'll"},
      {"thats", "that's"},
      {"thered", "there'd"},
      {"thered've", "there'd've"},
      {"there'dve", "there'd've"},
      {"therere", "there're"},
      {"theres", "there's"},
      {"theyd", "they'd"},
      {"theyd've", "they'd've"},
      {"they'dve", "they'd've"},
      {"theyll", "they'll"},
      {"theyre", "they're"},
      {"theyve", "they've"},
      {"twas", "'twas"},
      {"wasnt", "wasn't"},
      {"wed've", "we'd've"},
      {"we'dve", "we'd've"},
      {"weve", "we've"},
      {"werent", "weren't"},
      {"whatll", "what'll"},
      {"whatre", "what're"},
      {"whats", "what's"},
      {"whatve", "what've"},
      {"whens", "when's"},
      {"whered", "where'd"},
      {"wheres", "where's"},
      {"whereve", "where've"},
      {"whod", "who'd"},
      {"whod've", "who'd've"},
      {"who'dve", "who'd've"},
      {"wholl", "who'll"},
      {"whos", "who's"},
      {"whove", "who've"},
      {"whyll", "why'll"},
      {"whyre", "why're"},
      {"whys", "why's"},
      {"wont", "won't"},
      {"wouldve", "would've"},
      {"wouldnt", "wouldn't"},
      {"wouldnt've", "wouldn't've"},
      {"wouldn'tve", "wouldn't've"},
      {"yall", "y'all"},
      {"yall'll", "y'all'll"},
      {"y'allll", "y'all'll"},
      {"yall'd've", "y'all'd've"},
      {"y'alld've", "y'all'd've"},
      {"y'all'dve", "y'all'd've"},
      {"youd", "you'd"},
      {"youd've", "you'd've"},
      {"you'dve", "you'd've"},
      {"youll", "you'll"},
      {"youre", "you're"},
      {"youve", "you've"},
  };
  return *map;
}

// The script's commaStrip regex, (\d)(\,)(\d), searched anywhere (\d: any decimal digit).
bool HasCommaBetweenDigits(absl::string_view text) {
  for (size_t i = 1; i + 1 < text.size(); ++i) {
    if (text[i] == ',' && IsDecimalDigit(CodePointBefore(text, i)) &&
        IsDecimalDigit(CodePointAt(text, i + 1))) {
      return true;
    }
  }
  return false;
}

}  // namespace

std::string VqaProcessPunctuation(absl::string_view text) {
  // The script replaces each mark in turn; the replacements (nothing or a space) are never marks
  // themselves, so one pass with a per-mark decision gives the same text. The marks are ASCII,
  // so byte-wise work never splits a multi-byte character.
  const bool comma_number = HasCommaBetweenDigits(text);
  char action[256] = {};  // 0: keep, 'd': delete, 's': space
  for (const char* p : kPunct) {
    const std::string mark(p);
    const bool next_to_space = text.find(mark + " ") != absl::string_view::npos ||
                               text.find(" " + mark) != absl::string_view::npos;
    action[static_cast<unsigned char>(p[0])] = next_to_space || comma_number ? 'd' : 's';
  }
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    const char a = action[static_cast<unsigned char>(c)];
    if (a == 0) out.push_back(c);
    if (a == 's') out.push_back(' ');
  }
  // periodStrip, (?!<=\d)(\.)(?!\d): the first lookahead never fails, so this deletes periods
  // not followed by a digit, at most 32 of them (the count the script passes by accident).
  std::string stripped;
  stripped.reserve(out.size());
  int removed = 0;
  for (size_t i = 0; i < out.size(); ++i) {
    const bool followed_by_digit = i + 1 < out.size() && IsDecimalDigit(CodePointAt(out, i + 1));
    if (out[i] == '.' && !followed_by_digit && removed < 32) {
      ++removed;
      continue;
    }
    stripped.push_back(out[i]);
  }
  return stripped;
}

std::string VqaProcessDigitArticle(absl::string_view text) {
  std::vector<std::string> words;
  for (std::string& word : SplitWhitespace(PythonLower(text))) {
    auto number = NumberWords().find(word);
    if (number != NumberWords().end()) word = number->second;
    if (word == "a" || word == "an" || word == "the") continue;
    words.push_back(std::move(word));
  }
  for (std::string& word : words) {
    auto contraction = Contractions().find(word);
    if (contraction != Contractions().end()) word = contraction->second;
  }
  return absl::StrJoin(words, " ");
}

std::string VqaCleanAnswer(absl::string_view text) {
  const std::string spaced = absl::StrReplaceAll(text, {{"\n", " "}, {"\t", " "}});
  return std::string(StripWhitespace(spaced));
}

std::string NormalizeVqaAnswer(absl::string_view text) {
  return VqaProcessDigitArticle(VqaProcessPunctuation(VqaCleanAnswer(text)));
}

}  // namespace vlmlab::metrics
