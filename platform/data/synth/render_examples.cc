// Writes the example montage of docs/data.md: a scene, a document and a chart at 256 px, and
// the same document rendered at 64 px (scaled up 4x) to show why reading needs resolution.
// Prints each panel's dense caption.
//
//   bazel run //platform/data/synth:render_examples -- $PWD/docs/images/synth_examples.png
#include <cstdio>
#include <iostream>
#include <string>
#include <vector>

#include "platform/base/atomic_file.h"
#include "platform/data/synth/captions.h"
#include "platform/data/synth/webdataset_writer.h"
#include "platform/data/synth/world_image.h"
#include "platform/image/codec.h"

namespace vlmlab {
namespace {

constexpr int kPanel = 256, kGap = 8;

void Paste(const Image& src, int scale, int x0, Image* dst) {
  for (int y = 0; y < src.height * scale; ++y) {
    for (int x = 0; x < src.width * scale; ++x) {
      const uint8_t* p = src.at(x / scale, y / scale);
      uint8_t* q = dst->at(x0 + x, kGap + y);
      q[0] = p[0];
      q[1] = p[1];
      q[2] = p[2];
    }
  }
}

int Main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: render_examples OUT.png\n";
    return 2;
  }
  SynthConfig big, small;
  big.image_size = kPanel;
  big.max_objects = 6;
  small.image_size = kPanel / 4;
  // The first scene with five or more shapes on a textured background.
  uint64_t seed = 0;
  WorldImage scene = DrawWorldImage(big, WorldKind::kScene, seed).value();
  while (scene.scene.objects.size() < 5 || scene.scene.texture == Texture::kPlain) {
    scene = DrawWorldImage(big, WorldKind::kScene, ++seed).value();
  }
  const WorldImage doc = DrawWorldImage(big, WorldKind::kDocument, 2).value();
  const WorldImage chart = DrawWorldImage(big, WorldKind::kChart, 1).value();
  const WorldImage doc_small = DrawWorldImage(small, WorldKind::kDocument, 2).value();
  Image montage(4 * kPanel + 5 * kGap, kPanel + 2 * kGap, 3);
  FillImage(&montage, Rgb{255, 255, 255});
  int x = kGap;
  for (const WorldImage* w : std::vector<const WorldImage*>{&scene, &doc, &chart}) {
    Paste(w->image, 1, x, &montage);
    std::cout << DenseCaption(*w) << "\n";
    x += kPanel + kGap;
  }
  Paste(doc_small.image, 4, x, &montage);
  std::cout << DenseCaption(doc_small) << " (64 px)\n";
  absl::Status written = WriteFileAtomically(argv[1], EncodePng(montage).value());
  if (!written.ok()) {
    std::cerr << written << "\n";
    return 1;
  }
  return 0;
}

}  // namespace
}  // namespace vlmlab

int main(int argc, char** argv) { return vlmlab::Main(argc, argv); }
