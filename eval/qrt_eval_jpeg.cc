#include "qrt_eval_jpeg.h"

#include <csetjmp>
#include <cstdio>  // before jpeglib.h, which uses FILE and size_t
#include <jpeglib.h>

#include "data/image_decode.h"

namespace qrt::eval {
namespace {

struct ErrorManager {
  jpeg_error_mgr pub;  // first: libjpeg casts the pointer
  std::jmp_buf jump;
  char message[JMSG_LENGTH_MAX];
};

void on_error(j_common_ptr cinfo) {
  ErrorManager* err = reinterpret_cast<ErrorManager*>(cinfo->err);
  (*cinfo->err->format_message)(cinfo, err->message);
  std::longjmp(err->jump, 1);  // libjpeg's default would exit()
}

void on_warning(j_common_ptr, int) {}

// Only locals without destructors live between setjmp and longjmp.
bool decode_libjpeg(const uint8_t* data, size_t size, int want_channels, data::Image* out, std::string* error) {
  if (size < 3 || data[0] != 0xFF || data[1] != 0xD8)  // not a JPEG: PNG, BMP, ...
    return data::decode_image_stb(data, size, want_channels, out, error);
  jpeg_decompress_struct cinfo;
  ErrorManager err;
  cinfo.err = jpeg_std_error(&err.pub);
  err.pub.error_exit = on_error;
  err.pub.emit_message = on_warning;
  if (setjmp(err.jump)) {
    jpeg_destroy_decompress(&cinfo);
    *error = std::string("libjpeg: ") + err.message;
    return false;
  }
  jpeg_create_decompress(&cinfo);
  jpeg_mem_src(&cinfo, data, static_cast<unsigned long>(size));
  jpeg_read_header(&cinfo, TRUE);
  cinfo.out_color_space = want_channels == 1 ? JCS_GRAYSCALE : JCS_RGB;
  jpeg_start_decompress(&cinfo);
  out->width = int(cinfo.output_width);
  out->height = int(cinfo.output_height);
  out->channels = want_channels;
  out->pixels.resize(size_t(cinfo.output_width) * cinfo.output_height * size_t(want_channels));
  while (cinfo.output_scanline < cinfo.output_height) {
    JSAMPROW row = &out->pixels[size_t(cinfo.output_scanline) * cinfo.output_width * size_t(want_channels)];
    jpeg_read_scanlines(&cinfo, &row, 1);
  }
  jpeg_finish_decompress(&cinfo);
  jpeg_destroy_decompress(&cinfo);
  return true;
}

}  // namespace

void install_libjpeg_decoder() { data::set_memory_image_decoder(decode_libjpeg); }

}  // namespace qrt::eval
