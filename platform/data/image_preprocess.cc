#include "platform/data/image_preprocess.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"

namespace vlmlab::data {
namespace {

constexpr int kMaxSide = 8192;

struct Tap {
  int index;
  float weight;
};

// For each output coordinate, the source indices and normalised weights of a triangle filter of
// half-width max(1, scale) centred on the output pixel's centre in source coordinates.
std::vector<std::vector<Tap>> ComputeTaps(int in_size, double start, double length, int out_size) {
  std::vector<std::vector<Tap>> taps(out_size);
  const double scale = length / out_size;
  const double support = std::max(1.0, scale);
  for (int i = 0; i < out_size; ++i) {
    const double center = start + (i + 0.5) * scale - 0.5;
    const int lo = static_cast<int>(std::ceil(center - support));
    const int hi = static_cast<int>(std::floor(center + support));
    double total = 0;
    std::vector<Tap>& t = taps[i];
    for (int j = lo; j <= hi; ++j) {
      const double w = 1.0 - std::abs(j - center) / support;
      if (w <= 0) continue;
      t.push_back({std::clamp(j, 0, in_size - 1), static_cast<float>(w)});
      total += w;
    }
    if (t.empty()) {  // cannot happen with support >= 1, but stay safe
      t.push_back({std::clamp(static_cast<int>(std::lround(center)), 0, in_size - 1), 1.0f});
      total = 1;
    }
    for (Tap& tap : t) tap.weight = static_cast<float>(tap.weight / total);
  }
  return taps;
}

int RoundToMultiple(double v, int multiple, int max_value) {
  int r = static_cast<int>(std::lround(v / multiple)) * multiple;
  const int cap = std::max(multiple, max_value / multiple * multiple);
  return std::clamp(r, multiple, cap);
}

// Normalises planes in place: (v - mean) / std per channel.
void Normalize(float* data, int channels, int64_t plane, const Normalization& norm) {
  for (int c = 0; c < channels; ++c) {
    const float mean = norm.mean[c], inv = 1.0f / norm.std[c];
    float* p = data + c * plane;
    for (int64_t i = 0; i < plane; ++i) p[i] = (p[i] - mean) * inv;
  }
}

// The whole-image view of `planes` at `options.size` (or native size) for `options.mode`,
// normalised, written to `out` ([C][oh][ow]).
void WholeView(const std::vector<float>& planes, int width, int height,
               const ImagePreprocessOptions& options, int ow, int oh, float* out) {
  const int c = options.channels;
  const int64_t plane = static_cast<int64_t>(ow) * oh;
  switch (options.mode) {
    case ResizeMode::kStretch:
    case ResizeMode::kNative: {
      std::vector<float> r = ResampleRegion(planes, c, width, height, 0, 0, width, height, ow, oh);
      std::copy(r.begin(), r.end(), out);
      break;
    }
    case ResizeMode::kCenterCrop: {
      const double scale =
          std::max(static_cast<double>(ow) / width, static_cast<double>(oh) / height);
      const double rw = ow / scale, rh = oh / scale;
      std::vector<float> r = ResampleRegion(planes, c, width, height, (width - rw) / 2,
                                            (height - rh) / 2, rw, rh, ow, oh);
      std::copy(r.begin(), r.end(), out);
      break;
    }
    case ResizeMode::kPad: {
      const double scale =
          std::min(static_cast<double>(ow) / width, static_cast<double>(oh) / height);
      const int nw = std::clamp(static_cast<int>(std::lround(width * scale)), 1, ow);
      const int nh = std::clamp(static_cast<int>(std::lround(height * scale)), 1, oh);
      std::vector<float> r = ResampleRegion(planes, c, width, height, 0, 0, width, height, nw, nh);
      const int left = (ow - nw) / 2, top = (oh - nh) / 2;
      for (int ch = 0; ch < c; ++ch) {
        // The pad colour before normalisation: the mean (-> 0) or black.
        const float fill = options.pad_with_mean ? options.norm.mean[ch] : 0.0f;
        float* dst = out + ch * plane;
        std::fill(dst, dst + plane, fill);
        for (int y = 0; y < nh; ++y) {
          const float* src = r.data() + (static_cast<int64_t>(ch) * nh + y) * nw;
          std::copy(src, src + nw, dst + static_cast<int64_t>(y + top) * ow + left);
        }
      }
      break;
    }
  }
  Normalize(out, c, plane, options.norm);
}

}  // namespace

std::vector<float> ToPlanar(const Image& image, int channels) {
  const int64_t plane = static_cast<int64_t>(image.width) * image.height;
  std::vector<float> out(plane * channels);
  const int src_c = image.channels;
  const uint8_t* px = image.pixels.data();
  constexpr float kInv = 1.0f / 255.0f;
  for (int64_t i = 0; i < plane; ++i) {
    const uint8_t* p = px + i * src_c;
    if (channels == 3) {
      for (int c = 0; c < 3; ++c) out[c * plane + i] = p[src_c >= 3 ? c : 0] * kInv;
    } else if (src_c >= 3) {
      out[i] = (0.299f * p[0] + 0.587f * p[1] + 0.114f * p[2]) * kInv;
    } else {
      out[i] = p[0] * kInv;
    }
  }
  return out;
}

std::vector<float> ResampleRegion(const std::vector<float>& planes, int channels, int width,
                                  int height, double x0, double y0, double w, double h, int out_w,
                                  int out_h) {
  const std::vector<std::vector<Tap>> xt = ComputeTaps(width, x0, w, out_w);
  const std::vector<std::vector<Tap>> yt = ComputeTaps(height, y0, h, out_h);
  // Source rows the vertical pass reads.
  int row_lo = height, row_hi = -1;
  for (const auto& taps : yt) {
    for (const Tap& t : taps) {
      row_lo = std::min(row_lo, t.index);
      row_hi = std::max(row_hi, t.index);
    }
  }
  const int rows = row_hi - row_lo + 1;
  const int64_t in_plane = static_cast<int64_t>(width) * height;
  std::vector<float> out(static_cast<int64_t>(channels) * out_w * out_h);
  std::vector<float> tmp(static_cast<int64_t>(rows) * out_w);  // horizontal pass, one channel
  for (int c = 0; c < channels; ++c) {
    const float* src = planes.data() + c * in_plane;
    for (int r = 0; r < rows; ++r) {
      const float* row = src + static_cast<int64_t>(row_lo + r) * width;
      float* dst = tmp.data() + static_cast<int64_t>(r) * out_w;
      for (int x = 0; x < out_w; ++x) {
        float acc = 0;
        for (const Tap& t : xt[x]) acc += t.weight * row[t.index];
        dst[x] = acc;
      }
    }
    float* dst = out.data() + static_cast<int64_t>(c) * out_w * out_h;
    for (int y = 0; y < out_h; ++y) {
      float* drow = dst + static_cast<int64_t>(y) * out_w;
      std::fill(drow, drow + out_w, 0.0f);
      for (const Tap& t : yt[y]) {
        const float* trow = tmp.data() + static_cast<int64_t>(t.index - row_lo) * out_w;
        for (int x = 0; x < out_w; ++x) drow[x] += t.weight * trow[x];
      }
    }
  }
  return out;
}

absl::Status ValidatePreprocessOptions(const ImagePreprocessOptions& o) {
  if (o.size < 1 || o.size > kMaxSide) {
    return absl::InvalidArgumentError(
        absl::StrCat("image preprocessing: size ", o.size, " must be in [1, ", kMaxSide, "]"));
  }
  if (o.patch_size < 1 || (o.mode == ResizeMode::kNative && o.patch_size > o.size)) {
    return absl::InvalidArgumentError(absl::StrCat("image preprocessing: patch_size ", o.patch_size,
                                                   " must be in [1, size=", o.size, "]"));
  }
  if (o.channels != 1 && o.channels != 3) {
    return absl::InvalidArgumentError(
        absl::StrCat("image preprocessing: channels ", o.channels, " must be 1 or 3"));
  }
  for (int c = 0; c < o.channels; ++c) {
    if (!(o.norm.std[c] > 0) || !std::isfinite(o.norm.mean[c])) {
      return absl::InvalidArgumentError(absl::StrCat(
          "image preprocessing: normalisation of channel ", c, " needs a finite mean and std > 0"));
    }
  }
  if (o.max_tiles_per_side < 0 || o.max_tiles_per_side > 16) {
    return absl::InvalidArgumentError(absl::StrCat("image preprocessing: max_tiles_per_side ",
                                                   o.max_tiles_per_side, " must be in [0, 16]"));
  }
  if (o.max_tiles_per_side > 0 && o.mode == ResizeMode::kNative) {
    return absl::InvalidArgumentError(
        "image preprocessing: splitting into tiles needs mode pad, center crop or stretch for "
        "the global view, not native");
  }
  return absl::OkStatus();
}

void OutputSize(int width, int height, const ImagePreprocessOptions& o, int* ow, int* oh) {
  if (o.mode != ResizeMode::kNative) {
    *ow = *oh = o.size;
    return;
  }
  const double scale = std::min(1.0, static_cast<double>(o.size) / std::max(width, height));
  *ow = RoundToMultiple(width * scale, o.patch_size, o.size);
  *oh = RoundToMultiple(height * scale, o.patch_size, o.size);
}

absl::StatusOr<PreprocessedImage> PreprocessImage(const Image& image,
                                                  const ImagePreprocessOptions& o) {
  if (absl::Status s = ValidatePreprocessOptions(o); !s.ok()) return s;
  if (image.empty() || image.channels < 1 || image.channels > 4 ||
      image.pixels.size() != static_cast<size_t>(image.width) * image.height * image.channels) {
    return absl::InvalidArgumentError(absl::StrCat("image preprocessing: bad image ", image.width,
                                                   "x", image.height, "x", image.channels, " with ",
                                                   image.pixels.size(), " bytes"));
  }
  const std::vector<float> planes = ToPlanar(image, o.channels);
  const int c = o.channels;
  PreprocessedImage out;

  int rows = 1, cols = 1;
  double sw = image.width, sh = image.height;  // size after the shrink for splitting
  if (o.max_tiles_per_side > 0) {
    const double limit = static_cast<double>(o.max_tiles_per_side) * o.size;
    const double scale = std::min(1.0, limit / std::max(image.width, image.height));
    sw = image.width * scale;
    sh = image.height * scale;
    cols = std::clamp(static_cast<int>(std::ceil(sw / o.size - 1e-9)), 1, o.max_tiles_per_side);
    rows = std::clamp(static_cast<int>(std::ceil(sh / o.size - 1e-9)), 1, o.max_tiles_per_side);
  }
  const bool split = rows * cols > 1;
  int ow = 0, oh = 0;
  OutputSize(image.width, image.height, o, &ow, &oh);
  const int64_t n = split ? rows * cols + 1 : 1;
  out.pixels = Tensor::Zeros({n, c, oh, ow});
  out.rows = split ? rows : 1;
  out.cols = split ? cols : 1;
  float* data = out.pixels.data<float>();
  const int64_t view = static_cast<int64_t>(c) * oh * ow;
  if (split) {
    // Each tile is the matching region of the image resized to cols*size x rows*size.
    const double tw = static_cast<double>(image.width) / cols;
    const double th = static_cast<double>(image.height) / rows;
    for (int r = 0; r < rows; ++r) {
      for (int q = 0; q < cols; ++q) {
        std::vector<float> tile = ResampleRegion(planes, c, image.width, image.height, q * tw,
                                                 r * th, tw, th, o.size, o.size);
        float* dst = data + (static_cast<int64_t>(r) * cols + q) * view;
        std::copy(tile.begin(), tile.end(), dst);
        Normalize(dst, c, static_cast<int64_t>(o.size) * o.size, o.norm);
      }
    }
  }
  WholeView(planes, image.width, image.height, o, ow, oh, data + (n - 1) * view);
  return out;
}

}  // namespace vlmlab::data
