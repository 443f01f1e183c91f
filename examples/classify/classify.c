/* classify.c: image classification with qrt's C API, the program to copy.
 *
 * What an app does with qrt, in order:
 *   1. qrt_model_load_file: read + verify a .qrt (any error names the place);
 *   2. ask the model what its input wants: shape (NHWC) and preprocessing
 *      (qrt_model_preprocess: mean/std, channel order, resize and crop, the
 *      same settings the converter calibrated with), and its class names;
 *   3. qrt_session_create: plans all memory once; nothing allocates later;
 *   4. per image: preprocess to floats, qrt_session_set_input_f32,
 *      qrt_session_run, qrt_session_get_output_f32;
 *   5. destroy the session, then the model.
 * Every qrt call returns a qrt_status; the message comes from the caller's
 * qrt_error (load, create) or qrt_session_last_error (session calls).
 *
 * Usage:
 *   qrt-classify MODEL.qrt IMAGE...          any PGM/PPM/PNG/JPEG/BMP file
 *   qrt-classify MODEL.qrt --idx IMAGES.idx3[.gz] [--idx-labels LABELS.idx1[.gz]]
 *                [--limit N] [--show N]     Fashion-MNIST style IDX files
 *   --top K: how many classes to print per image (default 3).
 *   --bits: print each image's raw outputs instead, as the hex bit patterns
 *           of the floats, one line per image (the format of the reference
 *           files in tests/e2e/data, which the install test compares with).
 * Exit status: 0 ok, 1 an error (message on stderr), 2 bad command line.
 */
#define _POSIX_C_SOURCE 199309L /* clock_gettime */

#include <qrt/qrt.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "image_io.h"

/* What the model's input wants, read once from the model. */
typedef struct input_spec {
  int height, width, channels;
  qrt_preprocess pre;
} input_spec;

/* Everything one classification needs, set up once in main. */
typedef struct classifier {
  const qrt_model* model;
  qrt_session* session;
  input_spec spec;
  size_t input_count, num_classes;
  float* input;  /* input_count floats: the preprocessed image */
  float* scores; /* num_classes floats: the model's output */
  size_t* order; /* num_classes: scratch for sorting the scores */
  int bits;      /* --bits: print bit patterns, not classes */
} classifier;

static int fail(const char* where, const char* message) {
  fprintf(stderr, "qrt-classify: %s: %s\n", where, message);
  return 1;
}

static int read_input_spec(const qrt_model* model, input_spec* spec) {
  qrt_tensor_info info;
  char msg[256];
  qrt_tensor_info_init(&info);
  qrt_status st = qrt_model_input_info(model, 0, &info);
  if (st != QRT_OK) return fail("input 0", qrt_status_string(st));
  if (info.rank != 4 || info.shape[0] != 1 || (info.shape[3] != 1 && info.shape[3] != 3)) {
    snprintf(msg, sizeof msg, "input '%s' must be NHWC [1, H, W, 1 or 3] (rank %d)", info.name,
             (int)info.rank);
    return fail("model", msg);
  }
  spec->height = info.shape[1];
  spec->width = info.shape[2];
  spec->channels = info.shape[3];
  qrt_preprocess_init(&spec->pre);
  st = qrt_model_preprocess(model, &spec->pre);
  if (st != QRT_OK) return fail("preprocess", qrt_status_string(st));
  if (!spec->pre.has_preprocess)
    fprintf(stderr, "qrt-classify: note: the model has no preprocessing metadata; using x/255\n");
  return 0;
}

/* 8-bit HWC pixels -> the model's float NHWC input, exactly as the
 * converter prepared its calibration images: resize so the short side is
 * resize_short (bilinear, in float), centre crop, BGR swap if asked, then
 * (x / 255 - mean[c]) / std[c]. */
static int preprocess(const image* img, const input_spec* spec, float* out, const char* source) {
  const qrt_preprocess* p = &spec->pre;
  const int c = img->channels;
  int h = img->height, w = img->width;
  float* resized = NULL; /* only when resizing; else read the 8-bit pixels */
  char msg[256];
  if (c != spec->channels) {
    snprintf(msg, sizeof msg, "image has %d channels, the model wants %d", c, spec->channels);
    return fail(source, msg);
  }
  if (p->resize_short > 0) {
    int rh = p->resize_short, rw = p->resize_short;
    if (h <= w) rw = (int)lround((double)w * p->resize_short / h);
    else rh = (int)lround((double)h * p->resize_short / w);
    float* px = malloc((size_t)h * w * c * sizeof(float));
    if (px != NULL) {
      for (size_t i = 0; i < (size_t)h * w * c; ++i) px[i] = (float)img->pixels[i];
      resized = resize_bilinear_f32(px, h, w, c, rh, rw);
      free(px);
    }
    if (resized == NULL) return fail(source, "out of memory");
    h = rh;
    w = rw;
  }
  const int ch = p->crop_height > 0 ? p->crop_height : h;
  const int cw = p->crop_width > 0 ? p->crop_width : w;
  if (ch > h || cw > w || ch != spec->height || cw != spec->width) {
    snprintf(msg, sizeof msg, "image is %dx%d (%dx%d after resize and crop), the model wants %dx%d",
             img->height, img->width, ch, cw, spec->height, spec->width);
    free(resized);
    return fail(source, msg);
  }
  const int top = (h - ch) / 2, left = (w - cw) / 2;
  const int bgr = p->channel_order != NULL && strcmp(p->channel_order, "BGR") == 0;
  for (int y = 0; y < ch; ++y)
    for (int x = 0; x < cw; ++x)
      for (int k = 0; k < c; ++k) {
        const size_t at = ((size_t)(y + top) * w + (x + left)) * c + (bgr ? c - 1 - k : k);
        const float v = resized ? resized[at] : (float)img->pixels[at];
        const float mean = (size_t)k < p->num_mean ? p->mean[k] : 0.0f;
        const float stdv = (size_t)k < p->num_std ? p->std[k] : 1.0f;
        out[((size_t)y * cw + x) * c + k] = (v / 255.0f - mean) / stdv;
      }
  free(resized);
  return 0;
}

static size_t argmax(const float* v, size_t n) {
  size_t best = 0;
  for (size_t i = 1; i < n; ++i)
    if (v[i] > v[best]) best = i;
  return best;
}

/* Prints the scores' float bit patterns in hex, one line. */
static void print_bits(const float* scores, size_t n) {
  for (size_t i = 0; i < n; ++i) {
    uint32_t bits;
    memcpy(&bits, &scores[i], sizeof bits);
    printf(i ? " %08x" : "%08x", (unsigned)bits);
  }
  printf("\n");
}

/* Prints the `top` best classes: name, softmax probability, raw score. */
static void print_top(const qrt_model* model, const char* source, const float* scores, size_t n,
                      size_t top, size_t* order /* n entries of scratch */) {
  const float max = scores[argmax(scores, n)];
  float sum = 0.0f;
  for (size_t i = 0; i < n; ++i) {
    sum += expf(scores[i] - max);
    order[i] = i;
  }
  printf("%s:", source);
  for (size_t t = 0; t < top && t < n; ++t) {
    for (size_t i = t + 1; i < n; ++i) /* selection sort, best first */
      if (scores[order[i]] > scores[order[t]]) {
        const size_t swap = order[t];
        order[t] = order[i];
        order[i] = swap;
      }
    const size_t c = order[t];
    const char* label = qrt_model_label(model, c);
    if (label) printf("  %s", label);
    else printf("  class %zu", c);
    printf(" %.1f%% (%.3f)", 100.0f * expf(scores[c] - max) / sum, scores[c]);
  }
  printf("\n");
}

static double now_seconds(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Parses a non-negative count option; -1 if it is not one. */
static long parse_count(const char* text) {
  char* end = NULL;
  const long v = strtol(text, &end, 10);
  return (end == text || *end != '\0' || v < 0) ? -1 : v;
}

static int usage(void) {
  fprintf(stderr,
          "usage: qrt-classify MODEL.qrt [--top K] IMAGE...\n"
          "       qrt-classify MODEL.qrt [--top K] --idx IMAGES.idx3[.gz]\n"
          "                    [--idx-labels LABELS.idx1[.gz]] [--limit N] [--show N]\n"
          "       --bits (before the images): print the outputs' float bits in hex\n");
  return 2;
}

/* Runs the model on c->input; fills c->scores. */
static int run_one(classifier* c) {
  if (qrt_session_set_input_f32(c->session, 0, c->input, c->input_count) != QRT_OK ||
      qrt_session_run(c->session) != QRT_OK ||
      qrt_session_get_output_f32(c->session, 0, c->scores, c->num_classes) != QRT_OK)
    return fail("inference", qrt_session_last_error(c->session));
  return 0;
}

/* Classifies image files, printing the top classes of each. */
static int classify_files(classifier* c, char** paths, int count, size_t top) {
  for (int i = 0; i < count; ++i) {
    image img;
    char msg[256];
    if (image_load(paths[i], c->spec.channels, &img, msg, sizeof msg) != 0)
      return fail(paths[i], msg);
    int rc = preprocess(&img, &c->spec, c->input, paths[i]);
    if (rc == 0) rc = run_one(c);
    if (rc == 0 && c->bits) print_bits(c->scores, c->num_classes);
    else if (rc == 0) print_top(c->model, paths[i], c->scores, c->num_classes, top, c->order);
    image_free(&img);
    if (rc != 0) return rc;
  }
  return 0;
}

/* Classifies the images of an IDX file (the first `limit`, 0: all), prints
 * the first `show` results, the time per inference and, with labels, the
 * top-1 accuracy. */
static int classify_idx(classifier* c, const char* images_path, const char* labels_path,
                        size_t limit, size_t show, size_t top) {
  idx_file images = {0}, labels = {0};
  char msg[300];
  int rc = idx_load(images_path, 3, &images, msg, sizeof msg) ? fail(images_path, msg) : 0;
  if (rc == 0 && labels_path)
    rc = idx_load(labels_path, 1, &labels, msg, sizeof msg) ? fail(labels_path, msg) : 0;
  if (rc == 0 && labels_path && labels.dims[0] != images.dims[0]) {
    snprintf(msg, sizeof msg, "%u labels for %u images in %s", labels.dims[0], images.dims[0],
             images_path);
    rc = fail(labels_path, msg);
  }
  size_t n = images.dims[0], correct = 0;
  if (limit > 0 && limit < n) n = limit;
  const size_t plane = (size_t)images.dims[1] * images.dims[2];
  double seconds = 0.0;
  for (size_t i = 0; rc == 0 && i < n; ++i) {
    image img = {(int)images.dims[1], (int)images.dims[2], 1, images.data + i * plane};
    snprintf(msg, sizeof msg, "%s[%zu]", images_path, i);
    rc = preprocess(&img, &c->spec, c->input, msg);
    const double t0 = now_seconds();
    if (rc == 0) rc = run_one(c);
    seconds += now_seconds() - t0;
    if (rc != 0) break;
    if (labels_path && argmax(c->scores, c->num_classes) == labels.data[i]) ++correct;
    if (c->bits) {
      print_bits(c->scores, c->num_classes);
    } else if (i < show) {
      const char* truth = labels_path ? qrt_model_label(c->model, labels.data[i]) : NULL;
      if (truth) snprintf(msg, sizeof msg, "#%zu (label %s)", i, truth);
      else if (labels_path) snprintf(msg, sizeof msg, "#%zu (label %u)", i, labels.data[i]);
      else snprintf(msg, sizeof msg, "#%zu", i);
      print_top(c->model, msg, c->scores, c->num_classes, top, c->order);
    }
  }
  if (rc == 0 && n > 0 && !c->bits) {
    printf("%zu images, %.3f ms per inference\n", n, 1e3 * seconds / (double)n);
    if (labels_path)
      printf("top-1 accuracy: %zu / %zu = %.2f%%\n", correct, n, 100.0 * correct / (double)n);
  }
  idx_free(&images);
  idx_free(&labels);
  return rc;
}

int main(int argc, char** argv) {
  const char *idx_images = NULL, *idx_labels = NULL;
  long top = 3, limit = 0, show = 5; /* limit 0: every image */
  int first_image = argc, bits = 0;
  if (argc < 3) return usage();
  for (int i = 2; i < argc; ++i) {
    const int has_value = i + 1 < argc;
    if (strcmp(argv[i], "--idx") == 0 && has_value) idx_images = argv[++i];
    else if (strcmp(argv[i], "--idx-labels") == 0 && has_value) idx_labels = argv[++i];
    else if (strcmp(argv[i], "--top") == 0 && has_value) top = parse_count(argv[++i]);
    else if (strcmp(argv[i], "--limit") == 0 && has_value) limit = parse_count(argv[++i]);
    else if (strcmp(argv[i], "--show") == 0 && has_value) show = parse_count(argv[++i]);
    else if (strcmp(argv[i], "--bits") == 0) bits = 1;
    else if (argv[i][0] == '-') return usage();
    else { first_image = i; break; }
  }
  if ((idx_images == NULL) == (first_image == argc) || top < 1 || limit < 0 || show < 0 ||
      (idx_labels && !idx_images))
    return usage();

  /* 1. Load. The message names the file and the place inside it. */
  qrt_model* model = NULL;
  qrt_error err;
  qrt_status st = qrt_model_load_file(argv[1], &model, &err);
  if (st != QRT_OK) {
    fprintf(stderr, "qrt-classify: %s (%s)\n", err.message, qrt_status_string(st));
    return 1;
  }
  /* 2. What the input wants and how many classes come out. */
  classifier c;
  memset(&c, 0, sizeof c);
  c.bits = bits;
  c.model = model;
  qrt_tensor_info out_info;
  qrt_tensor_info_init(&out_info);
  int rc = read_input_spec(model, &c.spec);
  if (rc == 0 && (st = qrt_model_output_info(model, 0, &out_info)) != QRT_OK)
    rc = fail("output 0", qrt_status_string(st));
  /* 3. A session: plans and allocates all activation memory, once. */
  if (rc == 0 && (st = qrt_session_create(model, NULL, &c.session, &err)) != QRT_OK) {
    fprintf(stderr, "qrt-classify: session: %s (%s)\n", err.message, qrt_status_string(st));
    rc = 1;
  }
  if (rc == 0) {
    c.input_count = (size_t)c.spec.height * c.spec.width * c.spec.channels;
    c.num_classes = out_info.num_elements;
    c.input = malloc(c.input_count * sizeof(float));
    c.scores = malloc(c.num_classes * sizeof(float));
    c.order = malloc(c.num_classes * sizeof(size_t));
    if (!c.input || !c.scores || !c.order) rc = fail("main", "out of memory");
  }
  /* 4. Classify. */
  if (rc == 0 && idx_images)
    rc = classify_idx(&c, idx_images, idx_labels, (size_t)limit, (size_t)show, (size_t)top);
  if (rc == 0)
    rc = classify_files(&c, argv + first_image, argc - first_image, (size_t)top);

  /* 5. Clean up: the session before the model it uses. */
  free(c.input);
  free(c.scores);
  free(c.order);
  qrt_session_destroy(c.session);
  qrt_model_destroy(model);
  return rc;
}
