#include "platform/data/synth/document.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "platform/base/status_macros.h"

namespace vlmlab {
namespace {

const std::vector<Rgb>& Papers() {
  static const auto* const papers =
      new std::vector<Rgb>{{250, 250, 250}, {245, 240, 225}, {236, 236, 236}, {240, 244, 250}};
  return *papers;
}

const std::vector<Rgb>& Inks() {
  static const auto* const inks = new std::vector<Rgb>{{15, 15, 15}, {20, 30, 95}, {60, 40, 25}};
  return *inks;
}

// Blank pixels between two words beyond the space's advance, so ink boxes never touch.
int WordGap(const Font& font, int pixel_size) { return font.Advance(" ", pixel_size) + 1; }

// Draws `text` centred on x; returns the ink box.
TextBox DrawCentered(const Font& font, Image* image, float x, int baseline, const std::string& text,
                     int pixel_size, Rgb color) {
  const int left = static_cast<int>(std::lround(x - font.Advance(text, pixel_size) / 2.0f));
  return font.Draw(image, left, baseline, text, pixel_size, color);
}

}  // namespace

absl::StatusOr<Document> SampleDocument(int size, SynthRng* rng) {
  VLMLAB_ASSIGN_OR_RETURN(const Font* font, DefaultFont());
  Document doc;
  doc.size = size;
  doc.pixel_size = std::max(4, static_cast<int>(std::lround(size * rng->Float(0.06, 0.09))));
  doc.margin_x = static_cast<int>(std::lround(size * rng->Float(0.04, 0.10)));
  doc.top = static_cast<int>(std::lround(size * rng->Float(0.04, 0.12)));
  doc.paper = rng->Pick(Papers());
  doc.ink = rng->Pick(Inks());
  const FontMetrics metrics = font->Metrics(doc.pixel_size);
  const int room = size - doc.top - metrics.descent;
  const int max_lines = std::max(1, room / std::max(1, metrics.line_height));
  const int num_lines = std::min(rng->Range(2, 5), max_lines);
  const int width = size - 2 * doc.margin_x;
  const int gap = WordGap(*font, doc.pixel_size);
  for (int line = 0; line < num_lines; ++line) {
    const int want = rng->Range(1, 4);
    std::vector<std::string> words;
    int used = 0;
    for (int i = 0; i < want; ++i) {
      const std::string& word = rng->Pick(DocumentWords());
      const int advance = font->Advance(word, doc.pixel_size);
      if (!words.empty() && used + gap + advance > width) break;
      used += (words.empty() ? 0 : gap) + advance;
      words.push_back(word);
    }
    for (const std::string& word : words) doc.words.push_back({word, line, TextBox()});
    doc.lines.push_back(absl::StrJoin(words, " "));
  }
  return doc;
}

absl::StatusOr<Image> RenderDocument(Document* doc) {
  VLMLAB_ASSIGN_OR_RETURN(const Font* font, DefaultFont());
  Image image(doc->size, doc->size, 3);
  FillImage(&image, doc->paper);
  const FontMetrics metrics = font->Metrics(doc->pixel_size);
  const int gap = WordGap(*font, doc->pixel_size);
  int pen = doc->margin_x, current_line = -1;
  for (DocumentWord& word : doc->words) {
    if (word.line != current_line) {
      current_line = word.line;
      pen = doc->margin_x;
    }
    const int baseline = doc->top + metrics.ascent + word.line * metrics.line_height;
    word.bbox = font->Draw(&image, pen, baseline, word.text, doc->pixel_size, doc->ink);
    pen += font->Advance(word.text, doc->pixel_size) + gap;
  }
  return image;
}

Chart SampleChart(int size, SynthRng* rng) {
  Chart chart;
  chart.size = size;
  chart.title = rng->Pick(ChartTitles());
  const int n = rng->Range(3, 5);
  std::vector<std::string> labels = ChartLabels();
  rng->Shuffle(&labels);
  std::vector<int> colors(kNumColors);
  for (int i = 0; i < kNumColors; ++i) colors[i] = i;
  rng->Shuffle(&colors);
  for (int i = 0; i < n; ++i) {
    chart.bars.push_back({labels[i], rng->Range(1, 20), colors[i], TextBox()});
  }
  return chart;
}

absl::StatusOr<Image> RenderChart(Chart* chart) {
  VLMLAB_ASSIGN_OR_RETURN(const Font* font, DefaultFont());
  const int s = chart->size;
  Image image(s, s, 3);
  const Rgb paper{252, 252, 252}, ink{20, 20, 20}, axis{90, 90, 90};
  FillImage(&image, paper);
  const int title_px = std::max(4, static_cast<int>(std::lround(s * 0.085)));
  const int small_px = std::max(4, static_cast<int>(std::lround(s * 0.065)));
  const FontMetrics title_m = font->Metrics(title_px), small_m = font->Metrics(small_px);
  const int title_baseline = static_cast<int>(std::lround(s * 0.03)) + title_m.ascent;
  DrawCentered(*font, &image, s / 2.0f, title_baseline, chart->title, title_px, ink);
  // Plot area: below the title and the value labels, above the bar labels.
  const int label_baseline =
      s - std::max(1, static_cast<int>(std::lround(s * 0.03))) - small_m.descent;
  const int axis_y = label_baseline - small_m.ascent - std::max(1, s / 64);
  const int plot_top = title_baseline + title_m.descent + small_m.line_height;
  const float left = s * 0.06f, right = s * 0.94f;
  const float slot = (right - left) / chart->bars.size();
  int max_value = 1;
  for (const ChartBar& bar : chart->bars) max_value = std::max(max_value, bar.value);
  const int plot_height = std::max(1, axis_y - plot_top);
  FillRect(&image, static_cast<int>(left), axis_y, static_cast<int>(std::ceil(right)),
           axis_y + std::max(1, s / 128), axis);
  for (size_t i = 0; i < chart->bars.size(); ++i) {
    ChartBar& bar = chart->bars[i];
    const float centre = left + slot * (i + 0.5f);
    const int x0 = static_cast<int>(std::lround(centre - slot * 0.3f));
    const int x1 = std::max(x0 + 1, static_cast<int>(std::lround(centre + slot * 0.3f)));
    const int height = std::max(
        1, static_cast<int>(std::lround(static_cast<double>(plot_height) * bar.value / max_value)));
    bar.bbox = TextBox{x0, axis_y - height, x1, axis_y};
    FillRect(&image, x0, axis_y - height, x1, axis_y, kColors[bar.color].rgb);
    DrawCentered(*font, &image, centre, axis_y - height - std::max(1, s / 64) - small_m.descent,
                 absl::StrCat(bar.value), small_px, ink);
    DrawCentered(*font, &image, centre, label_baseline, bar.label, small_px, ink);
  }
  return image;
}

}  // namespace vlmlab
