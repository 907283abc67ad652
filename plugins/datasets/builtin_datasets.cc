// The dataset plugins: the synthetic world and readers of real formats (WebDataset shards,
// COCO captions, VQAv2, image folder + JSONL). Each opens a data::SampleSource
// (platform/data/sample_source.h) with the shuffling seed and strictness the runner asks for:
// training shuffles per epoch, evaluation reads in a fixed order.
#include <memory>

#include "absl/strings/str_cat.h"
#include "platform/base/status_macros.h"
#include "platform/data/coco_captions.h"
#include "platform/data/image_folder.h"
#include "platform/data/sample_source.h"
#include "platform/data/synth/generator.h"
#include "platform/data/synth/synth_config.h"
#include "platform/data/text_doc_vqa.h"
#include "platform/data/vqav2.h"
#include "platform/data/webdataset.h"
#include "platform/plugin_api/pipeline_plugins.h"
#include "platform/registry/global_registries.h"
#include "platform/spec/datasets.pb.h"

namespace vlmlab {
namespace {

// A dataset plugin whose source is made by `open(options, open_options)`.
template <typename Options>
class SourceDataset : public Dataset {
 public:
  using OpenFn = absl::StatusOr<std::unique_ptr<data::SampleSource>> (*)(
      const Options&, const DatasetOpenOptions&);
  SourceDataset(const Options& options, OpenFn open) : options_(options), open_(open) {}
  absl::Status Open(const DatasetOpenOptions& o,
                    std::unique_ptr<data::SampleSource>* source) const override {
    VLMLAB_ASSIGN_OR_RETURN(*source, open_(options_, o));
    return absl::OkStatus();
  }

 private:
  Options options_;
  OpenFn open_;
};

template <typename Options>
absl::StatusOr<std::unique_ptr<Dataset>> MakeDataset(
    const Options& options, typename SourceDataset<Options>::OpenFn open) {
  return std::make_unique<SourceDataset<Options>>(options, open);
}

absl::StatusOr<std::unique_ptr<data::SampleSource>> OpenSynthetic(const SyntheticWorldOptions& o,
                                                                  const DatasetOpenOptions& oo) {
  VLMLAB_ASSIGN_OR_RETURN(SynthConfig config, SynthConfigFromOptions(o));
  std::string name = absl::StrCat("synthetic(", Split_Name(o.split()), ", ", o.num_images(),
                      " images)");
  return std::unique_ptr<data::SampleSource>(std::make_unique<data::IndexedSource>(
      name, config.num_images,
      [config](int64_t i) -> absl::StatusOr<Sample> { return GenerateSample(config, i); },
      oo.shuffle, oo.seed));
}

absl::StatusOr<std::unique_ptr<data::SampleSource>> OpenWebDataset(const WebDatasetOptions& o,
                                                                   const DatasetOpenOptions& oo) {
  data::WebDatasetOptions w;
  w.shards.assign(o.shards().begin(), o.shards().end());
  w.shuffle_buffer = oo.shuffle ? o.shuffle_buffer() : 0;
  w.seed = oo.seed;
  w.strict = o.strict() || oo.strict;
  VLMLAB_ASSIGN_OR_RETURN(std::unique_ptr<data::WebDatasetSource> s,
                          data::WebDatasetSource::Create(w));
  return std::unique_ptr<data::SampleSource>(std::move(s));
}

absl::StatusOr<std::unique_ptr<data::SampleSource>> OpenCoco(const CocoCaptionsOptions& o,
                                                             const DatasetOpenOptions& oo) {
  data::CocoCaptionsOptions c;
  c.annotations = o.annotations();
  c.image_dir = o.image_dir();
  c.shuffle = oo.shuffle;
  c.seed = oo.seed;
  c.strict = oo.strict;
  VLMLAB_ASSIGN_OR_RETURN(std::unique_ptr<data::IndexedSource> s,
                          data::CreateCocoCaptionsSource(c));
  return std::unique_ptr<data::SampleSource>(std::move(s));
}

absl::StatusOr<std::unique_ptr<data::SampleSource>> OpenVqav2(const Vqav2Options& o,
                                                              const DatasetOpenOptions& oo) {
  data::Vqav2Options v;
  v.questions = o.questions();
  v.annotations = o.annotations();
  v.image_dir = o.image_dir();
  v.shuffle = oo.shuffle;
  v.seed = oo.seed;
  v.strict = oo.strict;
  VLMLAB_ASSIGN_OR_RETURN(std::unique_ptr<data::IndexedSource> s, data::CreateVqav2Source(v));
  return std::unique_ptr<data::SampleSource>(std::move(s));
}

absl::StatusOr<std::unique_ptr<data::SampleSource>> OpenTextVqa(const TextVqaOptions& o,
                                                                const DatasetOpenOptions& oo) {
  data::TextVqaOptions t;
  t.annotations = o.annotations();
  t.image_dir = o.image_dir();
  t.shuffle = oo.shuffle;
  t.seed = oo.seed;
  t.strict = oo.strict;
  VLMLAB_ASSIGN_OR_RETURN(std::unique_ptr<data::IndexedSource> s, data::CreateTextVqaSource(t));
  return std::unique_ptr<data::SampleSource>(std::move(s));
}

absl::StatusOr<std::unique_ptr<data::SampleSource>> OpenDocVqa(const DocVqaOptions& o,
                                                               const DatasetOpenOptions& oo) {
  data::DocVqaOptions d;
  d.annotations = o.annotations();
  d.image_root = o.image_root();
  d.shuffle = oo.shuffle;
  d.seed = oo.seed;
  d.strict = oo.strict;
  VLMLAB_ASSIGN_OR_RETURN(std::unique_ptr<data::IndexedSource> s, data::CreateDocVqaSource(d));
  return std::unique_ptr<data::SampleSource>(std::move(s));
}

absl::StatusOr<std::unique_ptr<data::SampleSource>> OpenImageFolder(const ImageFolderOptions& o,
                                                                    const DatasetOpenOptions& oo) {
  data::ImageFolderOptions f;
  f.dir = o.dir();
  f.jsonl = o.jsonl();
  f.shuffle = oo.shuffle;
  f.seed = oo.seed;
  f.strict = oo.strict;
  VLMLAB_ASSIGN_OR_RETURN(std::unique_ptr<data::IndexedSource> s,
                          data::CreateImageFolderSource(f));
  return std::unique_ptr<data::SampleSource>(std::move(s));
}

VLMLAB_REGISTER_PLUGIN(
    Dataset, SyntheticWorldOptions, "synthetic",
    "Procedural shapes, documents and charts with captions and questions (no download)",
    [](const SyntheticWorldOptions& o, const BuildContext&) {
      return MakeDataset<SyntheticWorldOptions>(o, OpenSynthetic);
    },
    [](const SyntheticWorldOptions& o, ValidationContext& ctx) {
      if (o.tasks_size() == 0) {
        ctx.Error("tasks", "list at least one task, e.g. tasks: CAPTION tasks: VQA");
      }
    });
VLMLAB_REGISTER_PLUGIN(
    Dataset, WebDatasetOptions, "webdataset",
    "WebDataset tar shards: files sharing a key form a sample",
    [](const WebDatasetOptions& o, const BuildContext&) {
      return MakeDataset<WebDatasetOptions>(o, OpenWebDataset);
    },
    [](const WebDatasetOptions& o, ValidationContext& ctx) {
      if (o.shards_size() == 0) ctx.Error("shards", "list at least one shard path");
    });
VLMLAB_REGISTER_PLUGIN(
    Dataset, CocoCaptionsOptions, "coco_captions", "COCO captions JSON and its image directory",
    [](const CocoCaptionsOptions& o, const BuildContext&) {
      return MakeDataset<CocoCaptionsOptions>(o, OpenCoco);
    },
    nullptr);
VLMLAB_REGISTER_PLUGIN(
    Dataset, Vqav2Options, "vqav2", "VQAv2 questions and annotations JSON and the image directory",
    [](const Vqav2Options& o, const BuildContext&) {
      return MakeDataset<Vqav2Options>(o, OpenVqav2);
    },
    nullptr);
VLMLAB_REGISTER_PLUGIN(
    Dataset, TextVqaOptions, "textvqa", "TextVQA annotations JSON and the image directory",
    [](const TextVqaOptions& o, const BuildContext&) {
      return MakeDataset<TextVqaOptions>(o, OpenTextVqa);
    },
    nullptr);
VLMLAB_REGISTER_PLUGIN(
    Dataset, DocVqaOptions, "docvqa", "DocVQA annotations JSON and its image root",
    [](const DocVqaOptions& o, const BuildContext&) {
      return MakeDataset<DocVqaOptions>(o, OpenDocVqa);
    },
    nullptr);
VLMLAB_REGISTER_PLUGIN(
    Dataset, ImageFolderOptions, "image_folder", "An image directory with a JSONL file of records",
    [](const ImageFolderOptions& o, const BuildContext&) {
      return MakeDataset<ImageFolderOptions>(o, OpenImageFolder);
    },
    nullptr);

}  // namespace
}  // namespace vlmlab
