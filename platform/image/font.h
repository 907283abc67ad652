// TrueType text rendering through FreeType: anti-aliased, hinted glyphs cached per pixel size,
// drawn onto an Image with the ink box of what was drawn (the synthetic documents keep these
// boxes as their layout). Printable ASCII only; any other byte is drawn as '?'. Thread-safe.
//
//   absl::StatusOr<const Font*> font = DefaultFont();   // DejaVu Sans
//   TextBox box = (*font)->Draw(&img, /*x=*/4, /*baseline=*/20, "hello", /*pixel_size=*/12,
//                               Rgb{0, 0, 0});
//   int width = (*font)->Advance("hello", 12);
#ifndef VLMLAB_PLATFORM_IMAGE_FONT_H_
#define VLMLAB_PLATFORM_IMAGE_FONT_H_

#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "platform/image/draw.h"
#include "platform/image/image.h"

namespace vlmlab {

// The font the synthetic world uses (Debian package fonts-dejavu-core).
inline constexpr char kDefaultFontPath[] = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf";

// [x0, x1) x [y0, y1) in pixels; empty when x1 <= x0 (e.g. only spaces were drawn).
struct TextBox {
  int x0 = 0, y0 = 0, x1 = 0, y1 = 0;
  bool empty() const { return x1 <= x0 || y1 <= y0; }
};

struct FontMetrics {
  int ascent = 0;       // pixels above the baseline
  int descent = 0;      // pixels below the baseline (positive)
  int line_height = 0;  // baseline to baseline
};

class Font {
 public:
  // Reads a TrueType/OpenType file; the error names the file and the package to install.
  static absl::StatusOr<std::unique_ptr<Font>> Load(const std::string& path);
  ~Font();
  Font(const Font&) = delete;
  Font& operator=(const Font&) = delete;

  // `pixel_size` is clamped to [1, 512] in every method.
  FontMetrics Metrics(int pixel_size) const;
  // Horizontal advance of `text` in pixels.
  int Advance(absl::string_view text, int pixel_size) const;
  // Draws `text` with its pen starting at x and its baseline at y; returns the ink box
  // (clipped to the image).
  TextBox Draw(Image* image, int x, int baseline, absl::string_view text, int pixel_size,
               Rgb color) const;

 private:
  struct GlyphSet;
  struct Face;
  explicit Font(std::unique_ptr<Face> face);
  const GlyphSet& Glyphs(int pixel_size) const;

  // std::mutex rather than absl::Mutex: ThreadSanitizer sees through it (Debian's Abseil is not
  // built with TSan), and loader workers render text concurrently.
  mutable std::mutex mu_;
  std::unique_ptr<Face> face_;
  mutable std::map<int, std::unique_ptr<GlyphSet>> sets_;
};

// The process-wide default font (kDefaultFontPath), loaded once.
absl::StatusOr<const Font*> DefaultFont();

}  // namespace vlmlab

#endif  // VLMLAB_PLATFORM_IMAGE_FONT_H_
