// Reference LOOKUP_TABLE kernel: y[i] = table[x[i] + 128].
//
// The table holds the output code for each of the 256 int8 storage codes
// of the input (U8 tensors are stored shifted by -128, so index = stored
// code + 128 for both). The converter computes every entry from the float
// function (docs/integer-semantics.md, "Lookup table"); the kernel only
// indexes, so the table is the whole contract of the op.
#include "qrt/kernels/ref.h"

void qrt_lookup_table_s8__ref(size_t n, const int8_t* input,
                              const int8_t* table, int8_t* output) {
  for (size_t i = 0; i < n; i++) {
    output[i] = table[(int32_t)input[i] + 128];
  }
}
