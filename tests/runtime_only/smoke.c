/* Links against a runtime-only libqrt.a (cmake -DQRT_RUNTIME_ONLY=ON) with
 * nothing but the C API, and prints the output bit patterns of one image, so
 * scripts/test.sh can compare them with the host reference of tests/e2e.
 *   smoke MODEL.qrt PIXELS.u8    (PIXELS: raw 8-bit images, HWC, back to back) */
#include <qrt/qrt.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int fail(const char* what, const char* message) {
  fprintf(stderr, "smoke: %s: %s\n", what, message);
  return 1;
}

int main(int argc, char** argv) {
  if (argc != 3) return fail("usage", "smoke MODEL.qrt PIXELS.u8");
  qrt_error err;
  qrt_model* model = NULL;
  if (qrt_model_load_file(argv[1], &model, &err) != QRT_OK) return fail(argv[1], err.message);
  qrt_tensor_info in, out;
  qrt_preprocess pre;
  qrt_tensor_info_init(&in);
  qrt_tensor_info_init(&out);
  qrt_preprocess_init(&pre);
  if (qrt_model_input_info(model, 0, &in) != QRT_OK || qrt_model_output_info(model, 0, &out) != QRT_OK ||
      qrt_model_preprocess(model, &pre) != QRT_OK)
    return fail(argv[1], "no input/output/preprocess");
  const int channels = in.shape[in.rank - 1];
  unsigned char* pixels = malloc(in.num_elements);
  float* x = malloc(in.num_elements * sizeof(float));
  float* y = malloc(out.num_elements * sizeof(float));
  FILE* f = fopen(argv[2], "rb");
  if (!f || fread(pixels, 1, in.num_elements, f) != in.num_elements) return fail(argv[2], "cannot read one image");
  fclose(f);
  for (size_t i = 0; i < in.num_elements; ++i) {
    const int c = (int)(i % (size_t)channels);
    const float mean = pre.num_mean ? pre.mean[pre.num_mean > 1 ? c : 0] : 0.0f;
    const float std = pre.num_std ? pre.std[pre.num_std > 1 ? c : 0] : 1.0f;
    x[i] = ((float)pixels[i] / 255.0f - mean) / std;
  }
  qrt_session_options options;
  qrt_session_options_init(&options);
  qrt_session* session = NULL;
  if (qrt_session_create(model, &options, &session, &err) != QRT_OK) return fail("session", err.message);
  if (qrt_session_set_input_f32(session, 0, x, in.num_elements) != QRT_OK || qrt_session_run(session) != QRT_OK ||
      qrt_session_get_output_f32(session, 0, y, out.num_elements) != QRT_OK)
    return fail("run", qrt_session_last_error(session));
  for (size_t i = 0; i < out.num_elements; ++i) {
    unsigned int bits;
    memcpy(&bits, &y[i], sizeof bits);
    printf(i ? " %08x" : "%08x", bits);
  }
  printf("\n");
  qrt_session_destroy(session);
  qrt_model_destroy(model);
  free(pixels);
  free(x);
  free(y);
  return 0;
}
