// Image preprocessing: 8-bit HWC pixels -> the model's float NCHW input.
//
// The steps, in order (the same ones an app must apply at inference time;
// the settings are stored in the .qrt Metadata.preprocess table):
//   1. channel order: images decode as RGB (or gray); BGR swaps R and B.
//   2. optional resize so the short side is `resize_short` (bilinear,
//      half-pixel centres, computed in float, no rounding back to 8 bits).
//   3. optional centre crop to crop_height x crop_width (offsets rounded
//      down: (H - ch) / 2).
//   4. x / 255, then (x - mean[c]) / std[c].
// The result must have the model input's H and W, else the error names the
// file and both sizes.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "data/dataset.h"
#include "data/limits.h"

namespace qrt::data {

struct PreprocessConfig {
  int resize_short = 0;          // 0: no resize
  int crop_height = 0;           // 0: no crop
  int crop_width = 0;
  std::vector<float> mean;       // empty: 0 per channel
  std::vector<float> std;        // empty: 1 per channel
  std::string channel_order;     // "RGB", "BGR", "GRAY"; empty: GRAY if C == 1 else RGB
  // Where the settings came from, for error messages: empty for the
  // command line (errors name the flag, e.g. --std), else e.g. "m.qrt:
  // stored preprocessing" (errors name the field, never a flag the user
  // did not pass).
  std::string origin;
  // A resized image may have at most this many pixels (limits.h,
  // --max-image-pixels); not stored in the model.
  uint64_t max_image_pixels = ReadLimits{}.max_image_pixels;

  // Fills the defaults for a model input with `channels` channels and
  // checks everything (throws qrt::ConvertError naming the bad setting):
  // resize_short and crop sides 0 to kMaxImageSide, std finite and > 0,
  // mean finite.
  void finalize(int channels);
  // "--std" for the command line, "<origin> std" for stored settings.
  std::string setting(const std::string& flag, const std::string& field) const;
  int decode_channels() const { return channel_order == "GRAY" ? 1 : 3; }
};

// Parses "a,b,c" into finite floats (throws naming `flag` on a bad number).
std::vector<float> parse_float_list(const std::string& text, const std::string& flag);
// Parses "HxW" (or "N" for a square) into height and width, each 1 to
// kMaxImageSide (throws naming --crop and the value otherwise).
void parse_crop(const std::string& text, int* height, int* width);

// Bilinear resize of 8-bit HWC pixels to float HWC (half-pixel centres,
// edge clamped). Exposed for tests.
std::vector<float> resize_bilinear(const std::vector<float>& src, int h, int w, int c, int out_h, int out_w);

// Turns one image into a [1, C, H, W] float tensor. `cfg` must be finalized.
std::vector<float> preprocess_image(const Image& image, const PreprocessConfig& cfg, int channels,
                                    int height, int width);

// Turns any sample (image or ready tensor) into the model input; a tensor's
// element count must equal C*H*W.
std::vector<float> sample_to_input(const Sample& sample, const PreprocessConfig& cfg, int channels,
                                   int height, int width);

}  // namespace qrt::data
