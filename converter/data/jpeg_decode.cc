#include "data/jpeg_decode.h"

#include <csetjmp>
#include <cstdio>  // before jpeglib.h, which uses FILE and size_t
#include <jpeglib.h>

namespace qrt::data {
namespace {

struct ErrorManager {
  jpeg_error_mgr pub;  // first: libjpeg casts the pointer
  std::jmp_buf jump;
  char message[JMSG_LENGTH_MAX];
};

struct Progress {
  jpeg_progress_mgr pub;  // first: libjpeg casts the pointer
  ErrorManager* err;
};

void on_error(j_common_ptr cinfo) {
  ErrorManager* err = reinterpret_cast<ErrorManager*>(cinfo->err);
  (*cinfo->err->format_message)(cinfo, err->message);
  std::longjmp(err->jump, 1);  // libjpeg's default would exit()
}

void on_warning(j_common_ptr, int) {}

void on_progress(j_common_ptr cinfo) {
  const j_decompress_ptr d = reinterpret_cast<j_decompress_ptr>(cinfo);
  if (d->input_scan_number > kMaxJpegScans) {
    ErrorManager* err = reinterpret_cast<Progress*>(cinfo->progress)->err;
    std::snprintf(err->message, sizeof(err->message), "more than %d scans in a progressive JPEG (corrupt JPEG)",
                  kMaxJpegScans);
    std::longjmp(err->jump, 1);
  }
}

// Only locals without destructors live between setjmp and longjmp; the
// caller's out->pixels is resized before any libjpeg call can jump.
// The output has libjpeg's channels for the file: 1 for a grayscale JPEG, 3
// (RGB) for every other colour space libjpeg converts to RGB.
bool run(const uint8_t* data, size_t size, Image* out, int* width, int* height, int* channels, std::string* error) {
  jpeg_decompress_struct cinfo;
  ErrorManager err;
  Progress progress;
  cinfo.err = jpeg_std_error(&err.pub);
  err.pub.error_exit = on_error;
  err.pub.emit_message = on_warning;
  if (setjmp(err.jump)) {
    jpeg_destroy_decompress(&cinfo);
    *error = std::string("libjpeg: ") + err.message;
    return false;
  }
  jpeg_create_decompress(&cinfo);
  progress.pub.progress_monitor = on_progress;
  progress.err = &err;
  cinfo.progress = &progress.pub;
  jpeg_mem_src(&cinfo, data, static_cast<unsigned long>(size));
  jpeg_read_header(&cinfo, TRUE);
  *width = int(cinfo.image_width);
  *height = int(cinfo.image_height);
  *channels = cinfo.jpeg_color_space == JCS_GRAYSCALE ? 1 : 3;
  if (out == nullptr) {
    jpeg_destroy_decompress(&cinfo);
    return true;
  }
  const int want_channels = out->channels;
  cinfo.out_color_space = want_channels == 1 ? JCS_GRAYSCALE : JCS_RGB;
  jpeg_start_decompress(&cinfo);
  if (size_t(cinfo.output_width) * cinfo.output_height * size_t(want_channels) != out->pixels.size() ||
      cinfo.output_components != want_channels) {  // cannot happen without scaling; never write past pixels
    jpeg_destroy_decompress(&cinfo);
    *error = "libjpeg: output size differs from the header's";
    return false;
  }
  const size_t row_bytes = size_t(cinfo.output_width) * size_t(want_channels);
  uint8_t* pixels = out->pixels.data();  // sized by the caller from the header
  while (cinfo.output_scanline < cinfo.output_height) {
    JSAMPROW row = pixels + size_t(cinfo.output_scanline) * row_bytes;
    jpeg_read_scanlines(&cinfo, &row, 1);
  }
  jpeg_finish_decompress(&cinfo);
  jpeg_destroy_decompress(&cinfo);
  return true;
}

}  // namespace

bool is_jpeg(const uint8_t* data, size_t size) {
  return size >= 3 && data[0] == 0xFF && data[1] == 0xD8 && data[2] == 0xFF;
}

bool jpeg_header(const uint8_t* data, size_t size, int* width, int* height, int* channels, std::string* error) {
  return run(data, size, nullptr, width, height, channels, error);
}

bool decode_jpeg(const uint8_t* data, size_t size, Image* out, std::string* error) {
  int w = 0, h = 0, c = 0;
  // libjpeg's output size equals the header's (no scaling is asked for).
  if (!jpeg_header(data, size, &w, &h, &c, error)) return false;
  out->width = w;
  out->height = h;
  out->channels = c;
  out->pixels.assign(size_t(w) * size_t(h) * size_t(c), 0);
  return run(data, size, out, &w, &h, &c, error);
}

}  // namespace qrt::data
