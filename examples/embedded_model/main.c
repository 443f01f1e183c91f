/* main.c: classify raw 8-bit images with a model compiled into the program
 * (qrt_add_model ... EMBED, CMakeLists.txt): no model file to ship or find.
 *
 *   qrt-embedded IMAGES.u8 [--bits]
 * IMAGES.u8: images back to back, each H*W*C bytes in the model's NHWC
 * input layout (e.g. tests/e2e/data/fashion_mnist_t10k_first8.u8).
 * Prints one line per image: the best class and its score, or with --bits
 * the outputs' float bit patterns in hex (as qrt-classify --bits does).
 * Exit status: 0 ok, 1 an error (message on stderr), 2 bad command line. */
#include <qrt/qrt.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fashion_mnist_model.h" /* generated: fashion_mnist_model[], _size */

static int fail(const char* where, const char* message) {
  fprintf(stderr, "qrt-embedded: %s: %s\n", where, message);
  return 1;
}

static void print_result(const qrt_model* model, size_t index, const float* y, size_t n, int bits) {
  size_t best = 0;
  for (size_t i = 0; i < n; ++i) {
    if (bits) {
      unsigned int u;
      memcpy(&u, &y[i], sizeof u);
      printf(i ? " %08x" : "%08x", u);
    }
    if (y[i] > y[best]) best = i;
  }
  if (!bits) {
    const char* label = qrt_model_label(model, best);
    printf("#%zu: %s (%.3f)", index, label ? label : "?", y[best]);
  }
  printf("\n");
}

int main(int argc, char** argv) {
  const int bits = argc == 3 && strcmp(argv[2], "--bits") == 0;
  if (argc != 2 && !bits) {
    fprintf(stderr, "usage: qrt-embedded IMAGES.u8 [--bits]\n");
    return 2;
  }
  /* The bytes are copied into the model: the array stays read-only. */
  qrt_model* model = NULL;
  qrt_error err;
  if (qrt_model_load_memory(fashion_mnist_model, fashion_mnist_model_size, &model, &err) != QRT_OK)
    return fail("embedded model", err.message);
  qrt_tensor_info in, out;
  qrt_preprocess pre;
  qrt_tensor_info_init(&in);
  qrt_tensor_info_init(&out);
  qrt_preprocess_init(&pre);
  qrt_session* session = NULL;
  if (qrt_model_input_info(model, 0, &in) != QRT_OK || qrt_model_output_info(model, 0, &out) != QRT_OK ||
      qrt_model_preprocess(model, &pre) != QRT_OK)
    return fail("embedded model", "no input 0, output 0 or preprocessing");
  if (qrt_session_create(model, NULL, &session, &err) != QRT_OK) return fail("session", err.message);

  FILE* f = fopen(argv[1], "rb");
  if (f == NULL) return fail(argv[1], "cannot open");
  const size_t channels = (size_t)in.shape[in.rank - 1];
  unsigned char* pixels = malloc(in.num_elements);
  float* x = malloc(in.num_elements * sizeof(float));
  float* y = malloc(out.num_elements * sizeof(float));
  int rc = pixels && x && y ? 0 : fail("main", "out of memory");
  for (size_t image = 0; rc == 0 && fread(pixels, 1, in.num_elements, f) == in.num_elements; ++image) {
    for (size_t i = 0; i < in.num_elements; ++i) { /* the converter's (x / 255 - mean) / std */
      const size_t c = i % channels;
      float v = (float)pixels[i] / 255.0f;
      if (pre.num_mean > 0) v -= pre.mean[c % pre.num_mean];
      if (pre.num_std > 0) v /= pre.std[c % pre.num_std];
      x[i] = v;
    }
    if (qrt_session_set_input_f32(session, 0, x, in.num_elements) != QRT_OK ||
        qrt_session_run(session) != QRT_OK ||
        qrt_session_get_output_f32(session, 0, y, out.num_elements) != QRT_OK)
      rc = fail("run", qrt_session_last_error(session));
    else
      print_result(model, image, y, out.num_elements, bits);
  }
  fclose(f);
  free(pixels);
  free(x);
  free(y);
  qrt_session_destroy(session);
  qrt_model_destroy(model);
  return rc;
}
