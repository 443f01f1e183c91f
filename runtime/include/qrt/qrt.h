/* qrt.h: the C API of libqrt.a, the qrt device runtime.
 *
 * A *model* is a loaded, verified and validated .qrt file (schema/qrt.fbs):
 * immutable after load, so one model can serve many sessions (on different
 * threads, each session used by one thread at a time). A *session* owns the
 * activation memory for one inference at a time: qrt_session_create plans
 * every tensor's place in one arena (tensor lifetimes in execution order,
 * greedy best-fit by size, 64-byte aligned) and allocates it, unless the
 * caller brings its own arena. After create nothing allocates:
 * qrt_session_set_input_f32, qrt_session_run and qrt_session_get_output_f32
 * only touch memory planned up front.
 *
 * Errors: every function returns a qrt_status. The functions that build
 * handles (load, arena size, session create) fill an optional caller-owned
 * qrt_error with a message naming the place (file offset, tensor index and
 * name, operator index and name). Functions on a session record their
 * message in the session: qrt_session_last_error. No function aborts on bad
 * input; a corrupt or truncated file gives QRT_ERROR_INVALID_MODEL.
 *
 * Versioned structs: qrt_session_options (in) and qrt_tensor_info,
 * qrt_preprocess, qrt_op_info (out) start with size_t struct_size and grow
 * at the end only. The caller sets struct_size = sizeof(the struct) -- the
 * struct's _init function does -- so a program built against an older or
 * newer qrt.h keeps working: the runtime reads / fills only the first
 * struct_size bytes it knows (a newer, larger out struct gets the fields
 * this runtime has; the rest of it, and struct_size, are left as the caller
 * set them). A struct_size below the struct's first version is
 * QRT_ERROR_INVALID_ARGUMENT.
 *
 * Ownership, in one line each: the caller owns what it passes in and may
 * free it when the call returns (exception: a caller-provided arena, which
 * must outlive the session); every const char* / const float* the library
 * returns points into the model (lives until qrt_model_destroy) or the
 * session (until qrt_session_destroy); handles are freed with their
 * _destroy function, which accepts NULL.
 *
 * docs/runtime.md has the long form.
 */
#ifndef QRT_QRT_H_
#define QRT_QRT_H_

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The Model.format_version this runtime accepts. */
#define QRT_FORMAT_VERSION 1
/* Most dimensions a tensor may have. */
#define QRT_MAX_RANK 6

/* The version of these headers. An app checks at start-up that the library
 * it linked is compatible with the headers it was compiled against:
 *   if (qrt_version() / 10000 != QRT_VERSION_MAJOR ||
 *       qrt_version() < QRT_VERSION) { ... refuse to run ... }
 * (same major version, library not older than the headers). The project's
 * CMake version must equal these numbers (checked when libqrt is built). */
#define QRT_VERSION_MAJOR 0
#define QRT_VERSION_MINOR 1
#define QRT_VERSION_PATCH 0
#define QRT_VERSION \
  (QRT_VERSION_MAJOR * 10000 + QRT_VERSION_MINOR * 100 + QRT_VERSION_PATCH)

/* The library's version as QRT_VERSION computes it, from the headers the
 * library was built with (may differ from the app's QRT_VERSION). */
int32_t qrt_version(void);

/* "major.minor.patch" of this library; static storage. */
const char* qrt_version_string(void);

typedef enum qrt_status {
  QRT_OK = 0,
  QRT_ERROR_INVALID_ARGUMENT = 1, /* NULL handle, index out of range, wrong count */
  QRT_ERROR_INVALID_MODEL = 2,    /* file fails verification or validation */
  QRT_ERROR_UNSUPPORTED = 3,      /* valid file, but an op/dtype this runtime lacks */
  QRT_ERROR_OUT_OF_MEMORY = 4,    /* malloc failed, or the caller's arena is too small */
  QRT_ERROR_IO = 5,               /* the file cannot be opened or read */
  QRT_ERROR_INTERNAL = 6          /* a bug in qrt: please report */
} qrt_status;

/* Short English name of a status ("invalid model"); static storage. */
const char* qrt_status_string(qrt_status status);

/* Caller-owned error details. Pass NULL where you do not want them. */
#define QRT_ERROR_MESSAGE_SIZE 512
typedef struct qrt_error {
  qrt_status status;                      /* same as the returned status */
  char message[QRT_ERROR_MESSAGE_SIZE];   /* NUL-terminated, "" on success */
} qrt_error;

/* Element types, numerically equal to schema DType. */
typedef enum qrt_dtype {
  QRT_DTYPE_F32 = 0,
  QRT_DTYPE_F16 = 1,
  QRT_DTYPE_S8 = 2,
  QRT_DTYPE_U8 = 3,
  QRT_DTYPE_S32 = 4
} qrt_dtype;

typedef struct qrt_model qrt_model;
typedef struct qrt_session qrt_session;

/* ---- Loading ------------------------------------------------------------ */

/* Reads the file at `path` and loads it as qrt_model_load_memory does,
 * with the default limits (qrt_model_load_file_with_options).
 * On success *out_model is a new model the caller frees with
 * qrt_model_destroy; on failure *out_model is NULL. */
qrt_status qrt_model_load_file(const char* path, qrt_model** out_model,
                               qrt_error* error);

/* Loads a model from `size` bytes at `data`. The bytes are COPIED (into a
 * 64-byte aligned block the model owns), so `data` may be freed or reused
 * as soon as this returns, and needs no particular alignment. Loading runs
 * the FlatBuffers verifier (with file identifier "QRT0") first, then checks
 * format_version == QRT_FORMAT_VERSION, every index, dtype, shape,
 * quantization and buffer size, the value ranges a kernel relies on (the
 * int32 accumulator bound, scales, windows, preprocessing metadata), and
 * that no bytes follow the FlatBuffer; unpacks bit-packed weights and
 * computes the per-op constants (requantization multipliers, clamp
 * ranges). Default limits (qrt_load_options): at most
 * QRT_DEFAULT_MAX_FILE_BYTES bytes, QRT_DEFAULT_MAX_TENSOR_ELEMENTS
 * elements per tensor. */
qrt_status qrt_model_load_memory(const void* data, size_t size,
                                 qrt_model** out_model, qrt_error* error);

/* Limits on what a model file may hold (docs/runtime.md, "Load options and
 * limits"). The plain load functions use the defaults; pass your own to
 * the _with_options variants. */
#define QRT_DEFAULT_MAX_FILE_BYTES ((uint64_t)1 << 30)          /* 1 GiB */
#define QRT_MAX_FILE_BYTES_LIMIT ((uint64_t)0x7FFFFFFE)         /* FlatBuffers' 2 GiB */
#define QRT_DEFAULT_MAX_TENSOR_ELEMENTS ((uint64_t)1 << 31)     /* per tensor */

/* Load options; grows at the end only. Set struct_size =
 * sizeof(qrt_load_options) (qrt_load_options_init does it); fields an older
 * caller's smaller struct lacks take their defaults; a struct_size below
 * the first field's end is refused. */
typedef struct qrt_load_options {
  size_t struct_size;
  uint64_t max_file_bytes;      /* the largest model accepted, in bytes: a
                                   larger file is refused before it is read
                                   (qrt_model_load_file) or copied (memory).
                                   0: QRT_DEFAULT_MAX_FILE_BYTES; at most
                                   QRT_MAX_FILE_BYTES_LIMIT */
  uint64_t max_tensor_elements; /* the most elements one tensor may have.
                                   0: QRT_DEFAULT_MAX_TENSOR_ELEMENTS, which
                                   is also the most it may be set to */
} qrt_load_options;

/* Fills the defaults (0 = default for every limit). */
void qrt_load_options_init(qrt_load_options* options);

/* qrt_model_load_file with limits (options may be NULL for the defaults).
 * Besides what qrt_model_load_memory checks, refuses with QRT_ERROR_IO a
 * path that is a directory or not a regular file (a fifo, a device), and
 * with QRT_ERROR_INVALID_MODEL a file over max_file_bytes, before reading
 * it. The file is read once into the block the model keeps (peak memory:
 * the file once, plus what loading unpacks and packs). */
qrt_status qrt_model_load_file_with_options(const char* path,
                                            const qrt_load_options* options,
                                            qrt_model** out_model,
                                            qrt_error* error);

/* qrt_model_load_memory with limits (options may be NULL). */
qrt_status qrt_model_load_memory_with_options(const void* data, size_t size,
                                              const qrt_load_options* options,
                                              qrt_model** out_model,
                                              qrt_error* error);

/* Frees the model and everything it owns. Every session made from it must
 * be destroyed first. NULL is allowed. */
void qrt_model_destroy(qrt_model* model);

/* ---- Tensors ------------------------------------------------------------ */

/* What the runtime knows about one tensor. Pointers live as long as the
 * model (names, scales) or the session (data). Versioned: set struct_size
 * (qrt_tensor_info_init) before a query. */
typedef struct qrt_tensor_info {
  size_t struct_size;          /* caller: sizeof(qrt_tensor_info) */
  const char* name;
  qrt_dtype dtype;             /* as stored in the file */
  int32_t rank;
  int32_t shape[QRT_MAX_RANK]; /* NHWC for 4-D activations */
  size_t num_elements;
  /* Quantization (num_scales == 0 for F32 tensors without quant). scale is
   * scales[0]; zero_point as stored in the file. */
  float scale;
  const float* scales;
  size_t num_scales;
  int32_t zero_point;
  int32_t bits;
  /* How `data` holds values: every quantized activation is int8; a U8
   * tensor is stored as q - 128 with storage_zero_point = zero_point - 128
   * (docs/integer-semantics.md). Constants: S8 weights unpacked to one
   * int8 each, S32 bias, F32. */
  int32_t storage_zero_point;
  size_t storage_bytes;
  int32_t is_constant;         /* has a buffer in the file */
  /* Session queries only: where the value is after qrt_session_run, or
   * NULL when it is not kept (an intermediate whose memory was reused;
   * create the session with keep_all_tensors to keep every one). Model
   * queries give NULL for activations, the weights for constants. */
  const void* data;
} qrt_tensor_info;

/* Zeroes *info and sets struct_size = sizeof(qrt_tensor_info). */
void qrt_tensor_info_init(qrt_tensor_info* info);

/* ---- Model queries ------------------------------------------------------ */
/* Return QRT_ERROR_INVALID_ARGUMENT for a NULL pointer, an index out of
 * range or an out struct whose struct_size is too small; counts are 0 for a
 * NULL model. */

size_t qrt_model_num_inputs(const qrt_model* model);
size_t qrt_model_num_outputs(const qrt_model* model);
qrt_status qrt_model_input_info(const qrt_model* model, size_t index,
                                qrt_tensor_info* info);
qrt_status qrt_model_output_info(const qrt_model* model, size_t index,
                                 qrt_tensor_info* info);
size_t qrt_model_num_tensors(const qrt_model* model);
qrt_status qrt_model_tensor_info(const qrt_model* model, size_t tensor_index,
                                 qrt_tensor_info* info);
size_t qrt_model_num_operators(const qrt_model* model);

/* How the input wants to be prepared (schema Preprocess): pixel x in
 * [0, 255] becomes (x / 255 - mean[c]) / std[c]. Zeros / NULLs for fields
 * the file leaves out; has_preprocess is 0 when there is no such table.
 * Versioned: set struct_size (qrt_preprocess_init) before the query. */
typedef struct qrt_preprocess {
  size_t struct_size;        /* caller: sizeof(qrt_preprocess) */
  int32_t has_preprocess;
  int32_t resize_short;
  int32_t crop_height;
  int32_t crop_width;
  const float* mean;
  size_t num_mean;
  const float* std;
  size_t num_std;
  const char* channel_order; /* "RGB", "BGR", "GRAY" or NULL */
} qrt_preprocess;
/* Zeroes *pre and sets struct_size = sizeof(qrt_preprocess). */
void qrt_preprocess_init(qrt_preprocess* pre);
qrt_status qrt_model_preprocess(const qrt_model* model, qrt_preprocess* out);

/* Class names, if the file has them (0 and NULL otherwise). */
size_t qrt_model_num_labels(const qrt_model* model);
const char* qrt_model_label(const qrt_model* model, size_t index);

/* ---- Sessions ----------------------------------------------------------- */

/* Storage of the float activations on the residual path (docs/runtime.md
 * "fp16 residual adds"): tensors whose producer and consumers are all among
 * {CONV_2D with F32 output, DEQUANTIZE, ADD, QUANTIZE}, not model inputs or
 * outputs. F16 keeps them as IEEE binary16 (2 bytes per element) with the
 * fp16 arithmetic of docs/integer-semantics.md; the file is unchanged. */
typedef enum qrt_float_adds {
  QRT_FLOAT_ADDS_AUTO = 0, /* F16 where the CPU has fp16 arithmetic
                              (ARMv8.2 FEAT_FP16), else F32 */
  QRT_FLOAT_ADDS_F32 = 1,  /* fp32, as in the file */
  QRT_FLOAT_ADDS_F16 = 2   /* fp16 on any CPU (portable kernels without
                              FEAT_FP16; same bits) */
} qrt_float_adds;

/* Options; grows at the end only. Set struct_size = sizeof(qrt_session_options)
 * (qrt_session_options_init does it), so an older caller's smaller struct is
 * still read correctly (fields it lacks take their defaults); below
 * struct_size + num_threads it is refused. */
typedef struct qrt_session_options {
  size_t struct_size;
  int32_t num_threads;     /* threads running conv / FC layers, the caller's
                              included: 0 or 1 = single-threaded, at most 64.
                              The pool starts at qrt_session_create; results
                              are bit-identical for any count. */
  void* arena;             /* NULL: the session allocates its own arena */
  size_t arena_size;       /* bytes at `arena` (caller owns; must outlive the
                              session; see qrt_model_arena_size) */
  int32_t keep_all_tensors;/* debug: every tensor gets its own region, so
                              every intermediate can be read after run */
  int32_t profile;         /* time every op of each run (qrt_op_info.
                              last_run_ns); costs two clock reads per op */
  int32_t reserved0;       /* must be 0 (was emulate_plain_int16, an accuracy
                              study that now lives in the host-only qrt_study
                              library, eval/study/; the slot keeps float_adds
                              where older callers put it) */
  int32_t float_adds;      /* qrt_float_adds: how the float residual path
                              (dequantizing conv epilogue -> ADD -> QUANTIZE)
                              stores its activations. Default AUTO. */
} qrt_session_options;

/* Fills defaults: 1 thread, own arena, keep_all_tensors and profile off,
 * float_adds AUTO. */
void qrt_session_options_init(qrt_session_options* options);

/* Bytes of arena a session with these options needs (options may be NULL
 * for defaults). A caller-provided arena must be at least this big and
 * 64-byte aligned; or pass 63 more bytes and any alignment. */
qrt_status qrt_model_arena_size(const qrt_model* model,
                                const qrt_session_options* options,
                                size_t* out_bytes, qrt_error* error);

/* Plans all activation memory and binds every operator to its tensors.
 * The model must outlive the session. On failure *out_session is NULL. */
qrt_status qrt_session_create(const qrt_model* model,
                              const qrt_session_options* options,
                              qrt_session** out_session, qrt_error* error);

/* Frees the session (not a caller-provided arena). NULL is allowed. */
void qrt_session_destroy(qrt_session* session);

/* Message of the last failing call on this session ("" if none); lives
 * until the next call on the session. */
const char* qrt_session_last_error(const qrt_session* session);

/* Bytes of arena the session uses (its plan, without alignment slack). */
size_t qrt_session_arena_size(const qrt_session* session);

/* The float-adds storage the session uses: QRT_FLOAT_ADDS_F32 or _F16 (AUTO
 * resolved), and how many tensors it stores as fp16 (may be NULL). In F16
 * mode qrt_session_tensor_info reports those tensors as QRT_DTYPE_F16. */
qrt_float_adds qrt_session_float_adds(const qrt_session* session,
                                      size_t* num_f16_tensors);

/* Copies `count` floats (must equal the input's element count) into model
 * input `index`, quantizing if the input tensor is S8/U8
 * (docs/integer-semantics.md, Quantize). `data` is not kept. An F32 input
 * whose only reader is a QUANTIZE operator (what qrt-convert writes) is
 * quantized here, with that operator's kernel, straight into its int8
 * output: the float values are not stored (qrt_session_tensor_info gives
 * the input NULL data, as for any intermediate) and the operator does
 * nothing at run time; with keep_all_tensors the float input is stored and
 * the operator runs, as in the file. The outputs are the same bits. */
qrt_status qrt_session_set_input_f32(qrt_session* session, size_t index,
                                     const float* data, size_t count);

/* Sets model input `index` from 8-bit pixels (`count` must equal the
 * input's element count; NHWC, channels in the model's channel_order,
 * qrt_model_preprocess), with the model's stored mean and std (one value,
 * or one per channel; 1 to 4 channels): pixel v in channel c stands for
 * the float (v / 255.0f - mean[c]) / std[c], and the input gets exactly the
 * bits qrt_session_set_input_f32 gives for those floats, without a float
 * copy: a 256-entry table per channel, made on the stack each call. For a
 * camera frame already resized and cropped to the input's H x W. Refused
 * (QRT_ERROR_INVALID_ARGUMENT) when the model stores no mean/std. */
qrt_status qrt_session_set_input_u8(qrt_session* session, size_t index,
                                    const uint8_t* pixels, size_t count);

/* Runs every operator in order. Inputs persist until overwritten, so a
 * second run without set_input runs on the same input only if the planner
 * did not reuse the input's memory: set inputs before every run. */
qrt_status qrt_session_run(qrt_session* session);

/* Copies model output `index` into `data` (`count` must equal its element
 * count), dequantizing if the output tensor is S8/U8. */
qrt_status qrt_session_get_output_f32(qrt_session* session, size_t index,
                                      float* data, size_t count);

/* Debug access to every tensor: info->data points at the tensor's bytes in
 * the arena (or the constant) when kept, NULL otherwise. */
size_t qrt_session_num_tensors(const qrt_session* session);
qrt_status qrt_session_tensor_info(const qrt_session* session,
                                   size_t tensor_index, qrt_tensor_info* info);

/* ---- Operators and their kernels ---------------------------------------- */

/* What one operator runs. The kernel is chosen once, at load, per layer:
 * CONV_2D (any groups) and FULLY_CONNECTED run a GEMM micro-kernel on
 * weights packed at load ("qrt_gemm_s8_acc32_ukernel_4x16c4__neondot"),
 * depthwise 3x3 the dwconv kernel ("qrt_dwconv3x3_s8_acc32_ukernel_c16__neon"),
 * other depthwise sizes the KxK one ("qrt_dwconv_s8_acc32_ukernel_c16__neon"),
 * anything else its reference kernel ("qrt_conv2d_s8__ref"; "ref" for ops
 * with only a reference implementation). The choice follows the layer's
 * accumulator, the CPU (docs/kernels.md, dispatch) and the environment
 * variable QRT_KERNEL_PATH=ref|neon|neondot|i8mm read at load: "ref" keeps
 * every op on the reference kernels. Strings live as long as the model.
 * Versioned: set struct_size (qrt_op_info_init) before a query. */
typedef struct qrt_op_info {
  size_t struct_size;         /* caller: sizeof(qrt_op_info) */
  const char* type;           /* schema OpType name, e.g. "CONV_2D" */
  const char* name;           /* the operator's name in the file, or "" */
  const char* kernel;         /* the kernel it runs (see above) */
  size_t int16_chunk;         /* acc16 kernels: products per int16 lane; else 0 */
  size_t packed_weight_bytes; /* weights packed at load for the kernel; else 0 */
  uint64_t last_run_ns;       /* session with options.profile: the op's wall
                                 time in the last qrt_session_run; else 0 */
} qrt_op_info;

/* Zeroes *info and sets struct_size = sizeof(qrt_op_info). */
void qrt_op_info_init(qrt_op_info* info);

/* Operator `index` (0 <= index < qrt_model_num_operators), execution order. */
qrt_status qrt_model_op_info(const qrt_model* model, size_t index,
                             qrt_op_info* info);
/* Same, plus last_run_ns when the session profiles. */
qrt_status qrt_session_op_info(const qrt_session* session, size_t index,
                               qrt_op_info* info);

#ifdef __cplusplus
}  /* extern "C" */
#endif

#endif  /* QRT_QRT_H_ */
