// The tiny experiment the runner and eval integration tests train in seconds: a 16 px conv
// encoder, an avg_pool projector, a one-layer Llama with the byte tokenizer, and the
// synthetic mixtures "captions", "vqa_train" and "vqa_val" of `num_images` images each (at
// most two shapes). Each test appends its own name, seed, stages, evaluators and runtime.
//
//   Experiment e;
//   CHECK(TextFormat::ParseFromString(TinyModelAndData(200) + kMyStages, &e));
#ifndef VLMLAB_TESTS_TINY_EXPERIMENT_H_
#define VLMLAB_TESTS_TINY_EXPERIMENT_H_

#include <string>

#include "absl/strings/str_replace.h"

namespace vlmlab {

inline std::string TinyModelAndData(int num_images) {
  constexpr char kText[] = R"pb(
    model {
      encoder { conv { image_size: 16 width: 8 stages: 2 blocks_per_stage: 1 } }
      projector { avg_pool { kernel: 2 } }
      fusion { self_attention { image_delimiters: false max_images_per_sample: 1 } }
      llm { llama { hidden: 32 layers: 1 heads: 2 max_seq_len: 160 } }
      tokenizer { byte {} }
    }
    data {
      name: "captions"
      components {
        dataset { synthetic { tasks: CAPTION image_size: 16 num_images: N max_objects: 2 } }
      }
    }
    data {
      name: "vqa_train"
      components {
        dataset { synthetic { tasks: VQA image_size: 16 num_images: N max_objects: 2 } }
      }
    }
    data {
      name: "vqa_val"
      components {
        dataset { synthetic { tasks: VQA split: VAL image_size: 16 num_images: N max_objects: 2 } }
      }
    }
  )pb";
  return absl::StrReplaceAll(kText, {{"num_images: N", "num_images: " + std::to_string(num_images)}});
}

}  // namespace vlmlab

#endif  // VLMLAB_TESTS_TINY_EXPERIMENT_H_
