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

namespace qrt::data {

struct PreprocessConfig {
  int resize_short = 0;          // 0: no resize
  int crop_height = 0;           // 0: no crop
  int crop_width = 0;
  std::vector<float> mean;       // empty: 0 per channel
  std::vector<float> std;        // empty: 1 per channel
  std::string channel_order;     // "RGB", "BGR", "GRAY"; empty: GRAY if C == 1 else RGB

  // Fills the defaults for a model input with `channels` channels and
  // checks everything (throws qrt::ConvertError naming the bad setting).
  void finalize(int channels);
  int decode_channels() const { return channel_order == "GRAY" ? 1 : 3; }
};

// Parses "a,b,c" into floats (throws naming `flag` on a bad number).
std::vector<float> parse_float_list(const std::string& text, const std::string& flag);
// Parses "HxW" (or "N" for a square) into height and width.
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
