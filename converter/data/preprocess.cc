#include "data/preprocess.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <sstream>
#include <stdexcept>

#include "graph/graph.h"

namespace qrt::data {
namespace {
[[noreturn]] void fail(const std::string& msg) { throw ConvertError(msg); }
}  // namespace

void PreprocessConfig::finalize(int channels) {
  // Models with other channel counts can only take ready tensors (.npy);
  // their channel order stays empty and images are refused when loaded.
  if (channel_order.empty() && (channels == 1 || channels == 3)) channel_order = channels == 1 ? "GRAY" : "RGB";
  if (!channel_order.empty() && channel_order != "RGB" && channel_order != "BGR" && channel_order != "GRAY")
    fail("--channel-order: '" + channel_order + "' is not RGB, BGR or GRAY");
  if (!channel_order.empty() && (channel_order == "GRAY") != (channels == 1))
    fail("--channel-order " + channel_order + " does not fit a model input with " +
         std::to_string(channels) + " channels");
  if (mean.empty()) mean.assign(size_t(channels), 0.0f);
  if (std.empty()) std.assign(size_t(channels), 1.0f);
  if (mean.size() == 1 && channels > 1) mean.assign(size_t(channels), mean[0]);
  if (std.size() == 1 && channels > 1) std.assign(size_t(channels), std[0]);
  if (int(mean.size()) != channels)
    fail("--mean: " + std::to_string(mean.size()) + " values for " + std::to_string(channels) + " channels");
  if (int(std.size()) != channels)
    fail("--std: " + std::to_string(std.size()) + " values for " + std::to_string(channels) + " channels");
  for (float s : std)
    if (!(s > 0.0f)) fail("--std: values must be > 0");
  if (resize_short < 0 || crop_height < 0 || crop_width < 0) fail("--resize-short/--crop: negative size");
  if ((crop_height == 0) != (crop_width == 0)) fail("--crop: both height and width are needed");
}

std::vector<float> parse_float_list(const std::string& text, const std::string& flag) {
  std::vector<float> out;
  std::stringstream ss(text);
  std::string item;
  while (std::getline(ss, item, ',')) {
    char* end = nullptr;
    const float v = std::strtof(item.c_str(), &end);
    if (item.empty() || *end != '\0' || !std::isfinite(v)) fail(flag + ": '" + item + "' is not a number");
    out.push_back(v);
  }
  if (out.empty()) fail(flag + ": no values");
  return out;
}

void parse_crop(const std::string& text, int* height, int* width) {
  const size_t x = text.find_first_of("xX");
  char* end = nullptr;
  if (x == std::string::npos) {
    const long v = std::strtol(text.c_str(), &end, 10);
    if (text.empty() || *end != '\0' || v <= 0) fail("--crop: '" + text + "' is not HxW");
    *height = *width = int(v);
    return;
  }
  const std::string hs = text.substr(0, x), ws = text.substr(x + 1);
  const long h = std::strtol(hs.c_str(), &end, 10);
  if (hs.empty() || *end != '\0' || h <= 0) fail("--crop: '" + text + "' is not HxW");
  const long w = std::strtol(ws.c_str(), &end, 10);
  if (ws.empty() || *end != '\0' || w <= 0) fail("--crop: '" + text + "' is not HxW");
  *height = int(h);
  *width = int(w);
}

std::vector<float> resize_bilinear(const std::vector<float>& src, int h, int w, int c, int out_h, int out_w) {
  std::vector<float> dst(size_t(out_h) * out_w * c);
  const float sy = float(h) / float(out_h), sx = float(w) / float(out_w);
  for (int oy = 0; oy < out_h; ++oy) {
    float fy = (float(oy) + 0.5f) * sy - 0.5f;
    fy = std::min(std::max(fy, 0.0f), float(h - 1));
    const int y0 = int(fy), y1 = std::min(y0 + 1, h - 1);
    const float wy = fy - float(y0);
    for (int ox = 0; ox < out_w; ++ox) {
      float fx = (float(ox) + 0.5f) * sx - 0.5f;
      fx = std::min(std::max(fx, 0.0f), float(w - 1));
      const int x0 = int(fx), x1 = std::min(x0 + 1, w - 1);
      const float wx = fx - float(x0);
      for (int ch = 0; ch < c; ++ch) {
        const float a = src[(size_t(y0) * w + x0) * c + ch], b = src[(size_t(y0) * w + x1) * c + ch];
        const float d = src[(size_t(y1) * w + x0) * c + ch], e = src[(size_t(y1) * w + x1) * c + ch];
        const float top = a + (b - a) * wx, bottom = d + (e - d) * wx;
        dst[(size_t(oy) * out_w + ox) * c + ch] = top + (bottom - top) * wy;
      }
    }
  }
  return dst;
}

std::vector<float> preprocess_image(const Image& image, const PreprocessConfig& cfg, int channels, int height,
                                    int width) {
  const int c = image.channels;
  if (cfg.channel_order.empty())
    fail(image.source + ": the model input has " + std::to_string(channels) +
         " channels; images need 1 (GRAY) or 3 (RGB/BGR)");
  if (c != cfg.decode_channels())
    fail(image.source + ": image has " + std::to_string(c) + " channels, preprocessing expects " +
         std::to_string(cfg.decode_channels()));
  int h = image.height, w = image.width;
  std::vector<float> px(image.pixels.begin(), image.pixels.end());
  if (cfg.channel_order == "BGR")
    for (size_t p = 0; p + 2 < px.size(); p += 3) std::swap(px[p], px[p + 2]);
  if (cfg.resize_short > 0) {
    int nh, nw;
    if (h <= w) {
      nh = cfg.resize_short;
      nw = int(std::lround(double(w) * cfg.resize_short / h));
    } else {
      nw = cfg.resize_short;
      nh = int(std::lround(double(h) * cfg.resize_short / w));
    }
    if (nh != h || nw != w) {
      px = resize_bilinear(px, h, w, c, nh, nw);
      h = nh;
      w = nw;
    }
  }
  int top = 0, left = 0, ch = h, cw = w;
  if (cfg.crop_height > 0) {
    if (cfg.crop_height > h || cfg.crop_width > w)
      fail(image.source + ": crop " + std::to_string(cfg.crop_height) + "x" + std::to_string(cfg.crop_width) +
           " is larger than the image (" + std::to_string(h) + "x" + std::to_string(w) + " after resize)");
    ch = cfg.crop_height;
    cw = cfg.crop_width;
    top = (h - ch) / 2;
    left = (w - cw) / 2;
  }
  if (ch != height || cw != width)
    fail(image.source + ": preprocessed image is " + std::to_string(ch) + "x" + std::to_string(cw) +
         " but the model input is " + std::to_string(height) + "x" + std::to_string(width) +
         " (use --resize-short / --crop)");
  if (c != channels) fail(image.source + ": channel count does not match the model input");
  std::vector<float> out(size_t(channels) * height * width);
  for (int k = 0; k < channels; ++k) {
    const float mean = cfg.mean[size_t(k)], stdv = cfg.std[size_t(k)];
    for (int y = 0; y < height; ++y)
      for (int x = 0; x < width; ++x) {
        const float v = px[(size_t(y + top) * w + (x + left)) * c + k];
        out[(size_t(k) * height + y) * width + x] = (v / 255.0f - mean) / stdv;
      }
  }
  return out;
}

std::vector<float> sample_to_input(const Sample& sample, const PreprocessConfig& cfg, int channels, int height,
                                   int width) {
  if (!sample.is_tensor) return preprocess_image(sample.image, cfg, channels, height, width);
  const size_t want = size_t(channels) * height * width;
  if (sample.tensor.size() != want)
    fail(sample.source + ": tensor has " + std::to_string(sample.tensor.size()) + " elements, the model input needs " +
         std::to_string(want) + " (1x" + std::to_string(channels) + "x" + std::to_string(height) + "x" +
         std::to_string(width) + ")");
  return sample.tensor;
}

}  // namespace qrt::data
