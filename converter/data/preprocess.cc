#include "data/preprocess.h"

#include <algorithm>
#include <climits>
#include <cmath>
#include <cstdlib>
#include <sstream>
#include <stdexcept>

#include "graph/graph.h"

namespace qrt::data {
namespace {
[[noreturn]] void fail(const std::string& msg) { throw ConvertError(msg); }
std::string number(float v) {
  std::ostringstream os;
  os << v;
  return os.str();
}
}  // namespace

std::string PreprocessConfig::setting(const std::string& flag, const std::string& field) const {
  return origin.empty() ? flag : origin + " " + field;
}

void PreprocessConfig::finalize(int channels) {
  // Models with other channel counts can only take ready tensors (.npy);
  // their channel order stays empty and images are refused when loaded.
  if (channel_order.empty() && (channels == 1 || channels == 3)) channel_order = channels == 1 ? "GRAY" : "RGB";
  const std::string order = setting("--channel-order", "channel_order");
  if (!channel_order.empty() && channel_order != "RGB" && channel_order != "BGR" && channel_order != "GRAY")
    fail(order + ": '" + channel_order + "' is not RGB, BGR or GRAY");
  if (!channel_order.empty() && (channel_order == "GRAY") != (channels == 1))
    fail(order + " " + channel_order + " does not fit a model input with " + std::to_string(channels) +
         " channels");
  const std::string mean_name = setting("--mean", "mean"), std_name = setting("--std", "std");
  if (mean.empty()) mean.assign(size_t(channels), 0.0f);
  if (std.empty()) std.assign(size_t(channels), 1.0f);
  if (mean.size() == 1 && channels > 1) mean.assign(size_t(channels), mean[0]);
  if (std.size() == 1 && channels > 1) std.assign(size_t(channels), std[0]);
  if (int(mean.size()) != channels)
    fail(mean_name + ": " + std::to_string(mean.size()) + " values for " + std::to_string(channels) + " channels");
  if (int(std.size()) != channels)
    fail(std_name + ": " + std::to_string(std.size()) + " values for " + std::to_string(channels) + " channels");
  for (size_t k = 0; k < mean.size(); ++k)
    if (!std::isfinite(mean[k]))
      fail(mean_name + ": value " + std::to_string(k) + " is " + number(mean[k]) + ", not a finite number");
  for (size_t k = 0; k < std.size(); ++k)
    if (!(std[k] > 0.0f) || !std::isfinite(std[k]))
      fail(std_name + ": value " + std::to_string(k) + " is " + number(std[k]) +
           "; each std must be a finite number > 0");
  const auto side = [&](int v, const std::string& name, int lo) {
    if (v < lo || v > kMaxImageSide)
      fail(name + ": " + std::to_string(v) + " is out of range: give " + std::to_string(lo) + " to " +
           std::to_string(kMaxImageSide) + (lo == 0 ? " (0: no resize)" : ""));
  };
  side(resize_short, setting("--resize-short", "resize_short"), 0);
  if ((crop_height == 0) != (crop_width == 0))
    fail(setting("--crop", "crop") + ": both height and width are needed (" + std::to_string(crop_height) + "x" +
         std::to_string(crop_width) + ")");
  if (crop_height != 0) {
    side(crop_height, setting("--crop", "crop_height"), 1);
    side(crop_width, setting("--crop", "crop_width"), 1);
  }
}

std::vector<float> parse_float_list(const std::string& text, const std::string& flag) {
  std::vector<float> out;
  std::stringstream ss(text);
  std::string item;
  while (std::getline(ss, item, ',')) {
    char* end = nullptr;
    const float v = std::strtof(item.c_str(), &end);
    if (item.empty() || *end != '\0' || !std::isfinite(v))
      fail(flag + ": '" + item + "' is not a finite number (give a,b,c)");
    out.push_back(v);
  }
  if (out.empty()) fail(flag + ": no values");
  if (!text.empty() && text.back() == ',') fail(flag + ": '" + text + "' ends with ','");
  return out;
}

namespace {

// A --crop side: a plain count 1 to kMaxImageSide.
int crop_side(const std::string& text, const std::string& side) {
  const std::string range = " (each side 1 to " + std::to_string(kMaxImageSide) + ")";
  if (side.empty() || side.find_first_not_of("0123456789") != std::string::npos)
    fail("--crop: '" + text + "' is not HxW" + range);
  const long v = side.size() > 9 ? LONG_MAX : std::strtol(side.c_str(), nullptr, 10);
  if (v < 1 || v > kMaxImageSide) fail("--crop: '" + text + "': " + side + " is out of range" + range);
  return int(v);
}

}  // namespace

void parse_crop(const std::string& text, int* height, int* width) {
  const size_t x = text.find_first_of("xX");
  if (x == std::string::npos) {
    *height = *width = crop_side(text, text);
    return;
  }
  *height = crop_side(text, text.substr(0, x));
  *width = crop_side(text, text.substr(x + 1));
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
    const long long rs = cfg.resize_short;
    const long long nh64 = h <= w ? rs : std::llround(double(h) * double(rs) / double(w));
    const long long nw64 = h <= w ? std::llround(double(w) * double(rs) / double(h)) : rs;
    uint64_t pixels = 0;
    if (!checked_mul(uint64_t(nh64), uint64_t(nw64), &pixels) || pixels > cfg.max_image_pixels)
      fail(image.source + ": resizing " + std::to_string(h) + "x" + std::to_string(w) + " to short side " +
           std::to_string(rs) + " gives " + std::to_string(nh64) + "x" + std::to_string(nw64) +
           ", over the limit of " + std::to_string(cfg.max_image_pixels) + " pixels (--max-image-pixels)");
    const int nh = int(nh64), nw = int(nw64);
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
    const float* plane = out.data() + size_t(k) * height * width;
    if (!std::all_of(plane, plane + size_t(height) * width, [](float v) { return std::isfinite(v); }))
      fail(image.source + ": (x/255 - mean) / std overflows for channel " + std::to_string(k) + " (mean " +
           number(mean) + ", std " + number(stdv) + "): " + cfg.setting("--std", "std") + " is too small");
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
  for (size_t i = 0; i < sample.tensor.size(); ++i)
    if (!std::isfinite(sample.tensor[i]))
      fail(sample.source + ": element " + std::to_string(i) + " is " + number(sample.tensor[i]) +
           "; input tensors must be finite numbers");
  return sample.tensor;
}

}  // namespace qrt::data
