// Caption tokenisation approximating coco-caption's PTBTokenizer (Stanford CoreNLP 3.4.1 with
// -lowerCase) followed by its removal of punctuation tokens (' '' ` `` . , ? ! : ; - -- ...
// and brackets). Lowercases ASCII; splits off punctuation; keeps word-internal hyphens,
// periods, slashes, ampersands and apostrophes ("black-and-white", "3.5", "and/or", "o'clock"),
// commas and colons between digits ("1,000", "10:30"); splits clitics as PTB does ("don't" ->
// "do n't", "man's" -> "man 's", "cannot" -> "can not"); other symbols ($ % # @ * + = < > ^ ~ |
// \) become tokens of their own. Differences from the Java tokenizer: docs/metrics.md.
//
//   TokenizeCaption("A man's dog, running.") == {"a", "man", "'s", "dog", "running"}
#ifndef VLMLAB_PLATFORM_METRICS_CAPTION_TOKENIZER_H_
#define VLMLAB_PLATFORM_METRICS_CAPTION_TOKENIZER_H_

#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace vlmlab::metrics {

std::vector<std::string> TokenizeCaption(absl::string_view caption);

}  // namespace vlmlab::metrics

#endif  // VLMLAB_PLATFORM_METRICS_CAPTION_TOKENIZER_H_
