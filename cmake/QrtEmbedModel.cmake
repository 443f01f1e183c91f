# QrtEmbedModel.cmake: writes a .qrt file as C source, for qrt_add_model's
# EMBED (run at build time: cmake -DINPUT=m.qrt -DOUTPUT_DIR=d -DSYMBOL=s -P).
#   d/s.h: extern const unsigned char s[]; extern const size_t s_size;
#   d/s.c: the bytes, 64-byte aligned (qrt_model_load_memory copies them
#          anyway; the alignment lets a reader map FlatBuffers in place).
cmake_minimum_required(VERSION 3.16)
foreach(v INPUT OUTPUT_DIR SYMBOL)
  if(NOT DEFINED ${v})
    message(FATAL_ERROR "QrtEmbedModel.cmake: -D${v}=... missing")
  endif()
endforeach()
file(SIZE "${INPUT}" size)
file(READ "${INPUT}" hex HEX)
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${hex}")
string(REGEX REPLACE "((0x..,){16})" "\\1\n  " bytes "${bytes}")
get_filename_component(name "${INPUT}" NAME)
set(guard "QRT_EMBEDDED_${SYMBOL}_H_")
string(TOUPPER "${guard}" guard)
file(WRITE "${OUTPUT_DIR}/${SYMBOL}.h"
"/* ${SYMBOL}.h: ${name} embedded by qrt_add_model (generated; do not edit).
 * qrt_model_load_memory(${SYMBOL}, ${SYMBOL}_size, &model, &error); */
#ifndef ${guard}
#define ${guard}
#include <stddef.h>
#ifdef __cplusplus
extern \"C\" {
#endif
extern const unsigned char ${SYMBOL}[];
extern const size_t ${SYMBOL}_size;
#ifdef __cplusplus
}
#endif
#endif
")
file(WRITE "${OUTPUT_DIR}/${SYMBOL}.c"
"/* ${name}, ${size} bytes, embedded by qrt_add_model (generated; do not edit). */
#include \"${SYMBOL}.h\"
_Alignas(64) const unsigned char ${SYMBOL}[${size}] = {
  ${bytes}
};
const size_t ${SYMBOL}_size = ${size};
")
