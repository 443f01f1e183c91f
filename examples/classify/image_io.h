/* image_io.h: the file reading qrt-classify needs, kept out of classify.c
 * so that the qrt calls there stand out. Nothing here touches qrt.
 *
 * - image_load: any format stb_image decodes (PGM/PPM, PNG, JPEG, BMP, TGA,
 *   GIF), converted to 1 (gray, stb's luma) or 3 (RGB) channels, 8-bit HWC.
 * - idx_load: MNIST/Fashion-MNIST IDX files: a big-endian header (two zero
 *   bytes, type 0x08 = uint8, the number of dimensions, then each dimension
 *   as uint32) followed by the raw bytes. `.gz` files are read through zlib
 *   when the build found it (else only uncompressed files).
 * - resize_bilinear_f32: the converter's resize (half-pixel centres, edges
 *   clamped, fp32, no rounding back to 8 bits), so an app preprocesses
 *   exactly as calibration did.
 * All functions return 0 on success, or non-zero with a message in `msg`.
 */
#ifndef QRT_EXAMPLES_IMAGE_IO_H_
#define QRT_EXAMPLES_IMAGE_IO_H_

#include <stddef.h>
#include <stdint.h>

typedef struct image {
  int height, width, channels;
  unsigned char* pixels; /* height * width * channels bytes, HWC */
} image;

int image_load(const char* path, int channels, image* out, char* msg, size_t msg_size);
/* Frees what image_load allocated; leaves an empty image. */
void image_free(image* img);

typedef struct idx_file {
  uint32_t ndim;
  uint32_t dims[3];
  unsigned char* data; /* dims[0] * ... * dims[ndim-1] bytes */
} idx_file;

/* Loads an IDX file of uint8 with exactly `ndim` (1..3) dimensions. */
int idx_load(const char* path, uint32_t ndim, idx_file* out, char* msg, size_t msg_size);
void idx_free(idx_file* idx);

/* Resizes float HWC pixels (h x w x c) to out_h x out_w; returns a new
 * malloc'ed buffer (NULL when out of memory). */
float* resize_bilinear_f32(const float* src, int h, int w, int c, int out_h, int out_w);

#endif /* QRT_EXAMPLES_IMAGE_IO_H_ */
