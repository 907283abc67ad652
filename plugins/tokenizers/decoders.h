// The decoder of a tokenizer.json: how Hugging Face's tokenizers library turns tokens back into
// text. ByteLevel (byte-level characters to bytes, invalid UTF-8 shown as U+FFFD), Metaspace,
// ByteFallback (<0xXX> tokens to bytes), Fuse, Strip, Replace, BPEDecoder (end-of-word suffix)
// and Sequence; WordPiece and CTC are refused by name. Without a decoder the tokens are joined
// with spaces, as the library does.
//
//   absl::StatusOr<std::unique_ptr<hf::Decoder>> d = hf::ReadDecoder({root["decoder"], "decoder"});
//   std::string text = hf::DecodeTokens(d->get(), {"Ġred", "Ġcircle"});   // " red circle"
#ifndef VLMLAB_PLUGINS_TOKENIZERS_DECODERS_H_
#define VLMLAB_PLUGINS_TOKENIZERS_DECODERS_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "plugins/tokenizers/hf_json.h"

namespace vlmlab::hf {

class Decoder {
 public:
  virtual ~Decoder() = default;
  // One step of the chain: tokens in, tokens out (the library's decode_chain).
  virtual std::vector<std::string> DecodeChain(std::vector<std::string> tokens) const = 0;
};

// nullptr when the section is null.
absl::StatusOr<std::unique_ptr<Decoder>> ReadDecoder(const JsonAt& at);

// The decoded text: the chain's output concatenated, or the tokens joined by " " without one.
std::string DecodeTokens(const Decoder* decoder, std::vector<std::string> tokens);

}  // namespace vlmlab::hf

#endif  // VLMLAB_PLUGINS_TOKENIZERS_DECODERS_H_
