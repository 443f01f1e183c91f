#include "data/limits.h"

#include "data/file_io.h"

namespace qrt::data {

using detail::fail;

void check_image_pixels(const std::string& where, uint64_t width, uint64_t height, const ReadLimits& limits) {
  uint64_t pixels = 0;
  if (!checked_mul(width, height, &pixels) || pixels > limits.max_image_pixels)
    fail(where + ": image is " + std::to_string(width) + "x" + std::to_string(height) + " (" +
         (pixels || !width || !height ? std::to_string(pixels) : std::string("more than 2^64")) +
         " pixels), over the limit of " + std::to_string(limits.max_image_pixels) +
         " pixels (--max-image-pixels; raise it to read larger images)");
}

void check_tensor_elements(const std::string& where, uint64_t elements, const ReadLimits& limits) {
  if (elements > limits.max_tensor_elements)
    fail(where + ": " + std::to_string(elements) + " elements, over the limit of " +
         std::to_string(limits.max_tensor_elements) + " (--max-tensor-elements; raise it to read larger tensors)");
}

uint64_t checked_elements(const std::string& where, const std::vector<uint64_t>& dims, const ReadLimits& limits) {
  uint64_t n = 1;
  std::string text;
  for (uint64_t d : dims) text += (text.empty() ? "" : ", ") + std::to_string(d);
  for (uint64_t d : dims)
    if (d == 0) return 0;  // empty, whatever the other dims
  for (uint64_t d : dims)
    if (!checked_mul(n, d, &n))
      fail(where + ": (" + text + ") has more elements than fit in 64 bits (over the limit of " +
           std::to_string(limits.max_tensor_elements) + ", --max-tensor-elements)");
  check_tensor_elements(where + " (" + text + ")", n, limits);
  return n;
}

}  // namespace qrt::data
