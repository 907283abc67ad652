#include "platform/image/font.h"

#include <ft2build.h>
#include FT_FREETYPE_H

#include <algorithm>
#include <array>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace vlmlab {
namespace {

constexpr int kFirstChar = 32, kLastChar = 126;

int ClampSize(int pixel_size) { return std::clamp(pixel_size, 1, 512); }

int GlyphIndex(char c) {
  int code = static_cast<unsigned char>(c);
  if (code < kFirstChar || code > kLastChar) code = '?';
  return code - kFirstChar;
}

}  // namespace

struct Font::Face {
  FT_Library library = nullptr;
  FT_Face face = nullptr;
  ~Face() {
    if (face != nullptr) FT_Done_Face(face);
    if (library != nullptr) FT_Done_FreeType(library);
  }
};

struct Font::GlyphSet {
  struct Glyph {
    int left = 0, top = 0, width = 0, rows = 0, advance = 0;
    std::vector<uint8_t> coverage;  // rows x width
  };
  FontMetrics metrics;
  std::array<Glyph, kLastChar - kFirstChar + 1> glyphs;
};

Font::Font(std::unique_ptr<Face> face) : face_(std::move(face)) {}
Font::~Font() = default;

absl::StatusOr<std::unique_ptr<Font>> Font::Load(const std::string& path) {
  auto face = std::make_unique<Face>();
  if (FT_Init_FreeType(&face->library) != 0) {
    return absl::InternalError("cannot initialise FreeType");
  }
  FT_Error error = FT_New_Face(face->library, path.c_str(), 0, &face->face);
  if (error != 0) {
    return absl::NotFoundError(absl::StrCat(
        "cannot load font ", path, " (FreeType error ", error,
        "); install the font (fonts-dejavu-core for the default; tools/setup.sh does it)"));
  }
  if (!FT_IS_SCALABLE(face->face)) {
    return absl::InvalidArgumentError(absl::StrCat("font ", path, " is not a scalable font"));
  }
  return std::unique_ptr<Font>(new Font(std::move(face)));
}

const Font::GlyphSet& Font::Glyphs(int pixel_size) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = sets_.find(pixel_size);
  if (it != sets_.end()) return *it->second;
  auto set = std::make_unique<GlyphSet>();
  FT_Face face = face_->face;
  FT_Set_Pixel_Sizes(face, 0, pixel_size);
  set->metrics.ascent = static_cast<int>((face->size->metrics.ascender + 63) >> 6);
  set->metrics.descent = static_cast<int>((-face->size->metrics.descender + 63) >> 6);
  set->metrics.line_height = static_cast<int>((face->size->metrics.height + 63) >> 6);
  for (int code = kFirstChar; code <= kLastChar; ++code) {
    GlyphSet::Glyph& glyph = set->glyphs[code - kFirstChar];
    if (FT_Load_Char(face, code, FT_LOAD_RENDER) != 0) continue;  // drawn as nothing
    const FT_GlyphSlot slot = face->glyph;
    const FT_Bitmap& bitmap = slot->bitmap;
    glyph.advance = static_cast<int>((slot->advance.x + 32) >> 6);
    glyph.left = slot->bitmap_left;
    glyph.top = slot->bitmap_top;
    if (bitmap.pixel_mode != FT_PIXEL_MODE_GRAY) continue;
    glyph.width = static_cast<int>(bitmap.width);
    glyph.rows = static_cast<int>(bitmap.rows);
    glyph.coverage.resize(static_cast<size_t>(glyph.width) * glyph.rows);
    for (int r = 0; r < glyph.rows; ++r) {
      std::copy(bitmap.buffer + r * bitmap.pitch, bitmap.buffer + r * bitmap.pitch + glyph.width,
                glyph.coverage.begin() + static_cast<size_t>(r) * glyph.width);
    }
  }
  const GlyphSet& result = *set;
  sets_[pixel_size] = std::move(set);
  return result;
}

FontMetrics Font::Metrics(int pixel_size) const { return Glyphs(ClampSize(pixel_size)).metrics; }

int Font::Advance(absl::string_view text, int pixel_size) const {
  const GlyphSet& set = Glyphs(ClampSize(pixel_size));
  int advance = 0;
  for (char c : text) advance += set.glyphs[GlyphIndex(c)].advance;
  return advance;
}

TextBox Font::Draw(Image* image, int x, int baseline, absl::string_view text, int pixel_size,
                   Rgb color) const {
  const GlyphSet& set = Glyphs(ClampSize(pixel_size));
  TextBox box;
  bool any = false;
  int pen = x;
  for (char c : text) {
    const GlyphSet::Glyph& glyph = set.glyphs[GlyphIndex(c)];
    const int gx = pen + glyph.left, gy = baseline - glyph.top;
    for (int r = 0; r < glyph.rows; ++r) {
      const int y = gy + r;
      if (y < 0 || y >= image->height) continue;
      for (int col = 0; col < glyph.width; ++col) {
        const uint8_t cov = glyph.coverage[static_cast<size_t>(r) * glyph.width + col];
        const int px = gx + col;
        if (cov == 0 || px < 0 || px >= image->width) continue;
        BlendPixel(image, px, y, color, cov * (1.f / 255.f));
        if (!any) {
          box = TextBox{px, y, px + 1, y + 1};
          any = true;
        } else {
          box.x0 = std::min(box.x0, px);
          box.y0 = std::min(box.y0, y);
          box.x1 = std::max(box.x1, px + 1);
          box.y1 = std::max(box.y1, y + 1);
        }
      }
    }
    pen += glyph.advance;
  }
  return box;
}

absl::StatusOr<const Font*> DefaultFont() {
  static const absl::StatusOr<std::unique_ptr<Font>>* const font =
      new absl::StatusOr<std::unique_ptr<Font>>(Font::Load(kDefaultFontPath));
  if (!font->ok()) return font->status();
  return font->value().get();
}

}  // namespace vlmlab
