// `vlmlab tokenizer encode` and `vlmlab tokenizer decode`: the first check of a tokenizer file,
// one JSON object per line.
//
//   vlmlab tokenizer encode --tokenizer tok.json "a red circle"       # {"text":..., "ids":[...]}
//   vlmlab tokenizer encode --tokenizer tok.json --tokens < texts.txt  # one text per line; with
//                                                                      # "tokens": each id's entry
//   vlmlab tokenizer encode --tokenizer tok.json --noadd_special_tokens "hi"  # no BOS/EOS
//   vlmlab tokenizer encode --tokenizer tok.json --ids "hi"              # 1 7 9 (no JSON)
//   vlmlab tokenizer decode --tokenizer tok.json 9 312 77              # {"ids":[...], "text":...}
//   echo "9, 312 77" | vlmlab tokenizer decode --tokenizer byte        # ids from stdin lines
//
// --tokenizer takes a tokenizer.json (the `bpe` plugin) or `byte`. Invalid UTF-8 in decoded
// text (a token that is part of a character) is shown as U+FFFD in the JSON.
#include <iostream>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "nlohmann/json.hpp"
#include "platform/cli/commands.h"
#include "platform/registry/global_registries.h"
#include "platform/spec/slot_resolver.h"
#include "platform/spec/tokenizers.pb.h"

ABSL_FLAG(std::string, tokenizer, "",
          "tokenizer encode/decode: a tokenizer.json (the bpe plugin) or `byte`");
ABSL_FLAG(bool, tokens, false,
          "tokenizer encode: also print each id's vocabulary entry (e.g. \"Ġred\")");
ABSL_FLAG(bool, ids, false,
          "tokenizer encode: print only each text's ids, space-separated, one line per text "
          "(what tokenizer decode reads), instead of JSON");
ABSL_FLAG(bool, add_special_tokens, true,
          "tokenizer encode: add the special tokens the tokenizer puts around a text (a "
          "tokenizer.json's post_processor, or add_bos), as Hugging Face's encode does by default");

namespace vlmlab {
namespace {

using json = nlohmann::json;

int CodecError(const std::string& message) {
  std::cerr << "vlmlab: error: " << message
            << "\nusage: vlmlab tokenizer encode --tokenizer (FILE|byte) [--tokens|--ids] "
               "[--noadd_special_tokens] [TEXT ...]"
               "\n       vlmlab tokenizer decode --tokenizer (FILE|byte) [ID ...]\n"
               "(without arguments: one text, or one list of ids, per line of stdin)\n";
  return 2;
}

absl::StatusOr<std::unique_ptr<Tokenizer>> LoadTokenizer(const std::string& which) {
  TokenizerSlot slot;
  if (which == "byte") {
    slot.mutable_byte();
  } else {
    slot.mutable_bpe()->set_path(which);
  }
  return CreateFromSlot<Tokenizer>(slot, GlobalRegistries(), BuildContext{0, &GlobalRegistries()});
}

std::string Dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

// The arguments, or else the lines of stdin.
std::vector<std::string> Inputs(const std::vector<std::string>& args) {
  if (!args.empty()) return args;
  std::vector<std::string> lines;
  for (std::string line; std::getline(std::cin, line);) lines.push_back(line);
  return lines;
}

}  // namespace

int RunTokenizerEncode(const std::vector<std::string>& args) {
  const std::string which = absl::GetFlag(FLAGS_tokenizer);
  if (which.empty()) return CodecError("tokenizer encode needs --tokenizer FILE (or byte)");
  absl::StatusOr<std::unique_ptr<Tokenizer>> tok = LoadTokenizer(which);
  if (!tok.ok()) {
    std::cerr << "vlmlab: error: --tokenizer " << which << ": " << tok.status().message() << "\n";
    return 1;
  }
  const bool ids_only = absl::GetFlag(FLAGS_ids);
  if (ids_only && absl::GetFlag(FLAGS_tokens)) {
    return CodecError("--ids prints ids alone; drop --tokens or --ids");
  }
  for (const std::string& text : Inputs(args)) {
    const std::vector<int32_t> ids = absl::GetFlag(FLAGS_add_special_tokens)
                                         ? (*tok)->EncodeWithSpecialTokens(text)
                                         : (*tok)->Encode(text);
    if (ids_only) {
      std::cout << absl::StrJoin(ids, " ") << "\n";
      continue;
    }
    json out = {{"text", text}, {"ids", ids}};
    if (absl::GetFlag(FLAGS_tokens)) {
      json tokens = json::array();
      for (int32_t id : ids) tokens.push_back((*tok)->TokenText(id));
      out["tokens"] = tokens;
    }
    std::cout << Dump(out) << "\n";
  }
  return 0;
}

int RunTokenizerDecode(const std::vector<std::string>& args) {
  const std::string which = absl::GetFlag(FLAGS_tokenizer);
  if (which.empty()) return CodecError("tokenizer decode needs --tokenizer FILE (or byte)");
  absl::StatusOr<std::unique_ptr<Tokenizer>> tok = LoadTokenizer(which);
  if (!tok.ok()) {
    std::cerr << "vlmlab: error: --tokenizer " << which << ": " << tok.status().message() << "\n";
    return 1;
  }
  // Arguments form one list of ids; each stdin line is a list.
  std::vector<std::string> lists =
      args.empty() ? Inputs(args) : std::vector<std::string>{absl::StrJoin(args, " ")};
  int line = 0;
  for (const std::string& list : lists) {
    ++line;
    std::vector<int32_t> ids;
    for (absl::string_view piece :
         absl::StrSplit(list, absl::ByAnyChar(" ,\t[]"), absl::SkipEmpty())) {
      int32_t id = 0;
      if (!absl::SimpleAtoi(piece, &id)) {
        std::cerr << "vlmlab: error: "
                  << (args.empty() ? absl::StrCat("stdin line ", line, ": ") : std::string()) << "'"
                  << piece << "' is not a token id (give integers)\n";
        return 2;
      }
      ids.push_back(id);
    }
    absl::StatusOr<std::string> text = (*tok)->Decode(ids);
    if (!text.ok()) {
      std::cerr << "vlmlab: error: " << text.status().message() << "\n";
      return 1;
    }
    std::cout << Dump(json{{"ids", ids}, {"text", *text}}) << "\n";
  }
  return 0;
}

}  // namespace vlmlab
