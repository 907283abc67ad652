// GPT-2's byte-level alphabet, used by byte-level BPE tokenizers (GPT-2, SmolLM2, Llama-3,
// Qwen): each of the 256 byte values is written as one printable Unicode character, so a
// vocabulary of strings can cover arbitrary bytes. Printable Latin-1 bytes stand for
// themselves; the others map to U+0100 onwards in byte order (space is "Ġ", '\n' is "Ċ").
//
//   std::string sym = bpe::BytesToUnicode(" hi\n");   // "Ġhi" "Ċ"
//   std::string raw = bpe::UnicodeToBytes(sym);       // " hi\n"
#ifndef VLMLAB_PLUGINS_TOKENIZERS_BYTE_LEVEL_H_
#define VLMLAB_PLUGINS_TOKENIZERS_BYTE_LEVEL_H_

#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"

namespace vlmlab::bpe {

// The UTF-8 of the character standing for byte `b`.
const std::string& ByteToUnicode(uint8_t b);

// Every byte of `bytes` written as its character.
std::string BytesToUnicode(absl::string_view bytes);

// The inverse: each byte-level character becomes its byte. Characters outside the alphabet
// (and malformed UTF-8) are copied through unchanged, as Hugging Face's ByteLevel decoder does.
std::string UnicodeToBytes(absl::string_view text);

// Whether every character of `text` is in the byte-level alphabet (Hugging Face's ByteLevel
// decoder maps such a token to bytes and copies any other token as it is).
bool IsByteLevelText(absl::string_view text);

}  // namespace vlmlab::bpe

#endif  // VLMLAB_PLUGINS_TOKENIZERS_BYTE_LEVEL_H_
