/* image_io.c: image, IDX and resize helpers for qrt-classify (image_io.h). */
#include "image_io.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <stb_image.h>
#ifdef QRT_CLASSIFY_HAVE_ZLIB
#include <zlib.h>
#endif

int image_load(const char* path, int channels, image* out, char* msg, size_t msg_size) {
  int w = 0, h = 0, file_channels = 0;
  out->pixels = stbi_load(path, &w, &h, &file_channels, channels);
  if (out->pixels == NULL) {
    snprintf(msg, msg_size, "cannot decode image: %s", stbi_failure_reason());
    return 1;
  }
  out->height = h;
  out->width = w;
  out->channels = channels;
  return 0;
}

void image_free(image* img) {
  stbi_image_free(img->pixels);
  img->pixels = NULL;
}

/* Reads a whole file (gunzipping .gz through zlib, which also reads plain
 * files unchanged) into a malloc'ed buffer. */
static int read_all(const char* path, unsigned char** data, size_t* size, char* msg,
                    size_t msg_size) {
#ifdef QRT_CLASSIFY_HAVE_ZLIB
  gzFile f = gzopen(path, "rb");
#else
  FILE* f = fopen(path, "rb");
#endif
  if (f == NULL) {
    snprintf(msg, msg_size, "cannot open");
    return 1;
  }
  size_t cap = 1 << 20, len = 0;
  unsigned char* buf = malloc(cap);
  int rc = 0;
  for (;;) {
    if (buf == NULL) {
      snprintf(msg, msg_size, "out of memory after %zu bytes", len);
      rc = 1;
      break;
    }
#ifdef QRT_CLASSIFY_HAVE_ZLIB
    const int n = gzread(f, buf + len, (unsigned)(cap - len));
    if (n < 0) {
      int zerr = 0;
      snprintf(msg, msg_size, "read error at byte %zu: %s", len, gzerror(f, &zerr));
      rc = 1;
      break;
    }
#else
    const size_t n = fread(buf + len, 1, cap - len, f);
    if (n == 0 && ferror(f)) {
      snprintf(msg, msg_size, "read error at byte %zu", len);
      rc = 1;
      break;
    }
#endif
    if (n == 0) break;
    len += (size_t)n;
    if (len == cap) {
      unsigned char* bigger = realloc(buf, cap *= 2);
      if (bigger == NULL) free(buf);
      buf = bigger;
    }
  }
#ifdef QRT_CLASSIFY_HAVE_ZLIB
  int zerr = Z_OK;
  const char* zmsg = gzerror(f, &zerr);
  if (rc == 0 && zerr != Z_OK) { /* e.g. Z_BUF_ERROR: a truncated .gz file */
    snprintf(msg, msg_size, "gzip error after %zu uncompressed bytes: %s", len, zmsg);
    rc = 1;
  }
  gzclose(f);
#else
  fclose(f);
#endif
  if (rc != 0) {
    free(buf);
    return rc;
  }
  *data = buf;
  *size = len;
  return 0;
}

static uint32_t read_be32(const unsigned char* p) {
  return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

int idx_load(const char* path, uint32_t ndim, idx_file* out, char* msg, size_t msg_size) {
  unsigned char* buf = NULL;
  size_t size = 0;
  memset(out, 0, sizeof *out);
  if (read_all(path, &buf, &size, msg, msg_size) != 0) return 1;
  const size_t header = 4 + 4 * (size_t)ndim;
  if (size < header || buf[0] != 0 || buf[1] != 0 || buf[2] != 0x08 || buf[3] != ndim) {
    if (size < 4)
      snprintf(msg, msg_size, "not an IDX file: %zu bytes", size);
    else
      snprintf(msg, msg_size,
               "not a %u-dimensional uint8 IDX file: header bytes 0..3 are %02x %02x %02x %02x,"
               " expected 00 00 08 %02x%s",
               ndim, buf[0], buf[1], buf[2], buf[3], ndim,
#ifdef QRT_CLASSIFY_HAVE_ZLIB
               "");
#else
               " (this build has no zlib: gunzip the file first)");
#endif
    free(buf);
    return 1;
  }
  size_t count = 1;
  for (uint32_t d = 0; d < ndim; ++d) {
    out->dims[d] = read_be32(buf + 4 + 4 * d);
    count *= out->dims[d];
  }
  if (size - header != count) {
    snprintf(msg, msg_size, "header says %zu data bytes from offset %zu, the file has %zu", count,
             header, size - header);
    free(buf);
    return 1;
  }
  memmove(buf, buf + header, count); /* keep one allocation: data at the start */
  out->ndim = ndim;
  out->data = buf;
  return 0;
}

void idx_free(idx_file* idx) {
  free(idx->data);
  idx->data = NULL;
}

float* resize_bilinear_f32(const float* src, int h, int w, int c, int out_h, int out_w) {
  float* dst = malloc((size_t)out_h * out_w * c * sizeof(float));
  if (dst == NULL) return NULL;
  const float sy = (float)h / (float)out_h, sx = (float)w / (float)out_w;
  for (int oy = 0; oy < out_h; ++oy) {
    float fy = ((float)oy + 0.5f) * sy - 0.5f;
    fy = fy < 0.0f ? 0.0f : (fy > (float)(h - 1) ? (float)(h - 1) : fy);
    const int y0 = (int)fy, y1 = y0 + 1 < h ? y0 + 1 : h - 1;
    const float wy = fy - (float)y0;
    for (int ox = 0; ox < out_w; ++ox) {
      float fx = ((float)ox + 0.5f) * sx - 0.5f;
      fx = fx < 0.0f ? 0.0f : (fx > (float)(w - 1) ? (float)(w - 1) : fx);
      const int x0 = (int)fx, x1 = x0 + 1 < w ? x0 + 1 : w - 1;
      const float wx = fx - (float)x0;
      for (int k = 0; k < c; ++k) {
        const float a = src[((size_t)y0 * w + x0) * c + k], b = src[((size_t)y0 * w + x1) * c + k];
        const float d = src[((size_t)y1 * w + x0) * c + k], e = src[((size_t)y1 * w + x1) * c + k];
        const float top = a + (b - a) * wx, bottom = d + (e - d) * wx;
        dst[((size_t)oy * out_w + ox) * c + k] = top + (bottom - top) * wy;
      }
    }
  }
  return dst;
}
