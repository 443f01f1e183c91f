// Every kernel name the dispatch tables report (qrt_op_info.kernel, profiles)
// follows the naming grammar of docs/kernels.md:
//   qrt_<op>_<types>[_<acc>_ukernel_<tile>]__<isa>
// and says what its row is: the ISA suffix matches the row's ISA, the tile
// matches {mr, nr, kr}, the accumulator matches, and an op table entry is
// named after its field (add_f32 -> qrt_add_f32__<isa>). All compiled rows
// are checked, whether or not this CPU runs them.
#include <catch2/catch.hpp>

#include <regex>
#include <string>

#include "qrt/kernels/dispatch.h"
#include "qrt/kernels/fp16.h"
#include "qrt/kernels/neon.h"

namespace {

const std::regex& grammar() {
  static const std::regex re(
      "qrt_"
      "(conv2d|dwconv3x3|dwconv|gemm|fully_connected|maxpool2d|avgpool2d|global_avgpool|"
      "add|softmax|log_softmax|concat|quantize|dequantize|convert)"  // 1: op
      "_(s8|f16|f32)(?:_(s8|f16|f32))?"                   // 2, 3: types
      "(?:_(acc16|acc32)_ukernel_([0-9]+x[0-9]+c[0-9]+|c[0-9]+))?"  // 4, 5
      "__(ref|portable|neon|neondot|neoni8mm|neonfp16)");  // 6: isa
  return re;
}

struct Parts {
  std::string op, in, out, acc, tile, isa;
};

// Parses a name; fails the test (and returns false) if it is not a sentence
// of the grammar.
bool parse(const std::string& name, Parts* p) {
  std::smatch m;
  const bool ok = std::regex_match(name, m, grammar());
  INFO(name);
  CHECK(ok);
  if (!ok) return false;
  *p = {m[1], m[2], m[3], m[4], m[5], m[6]};
  CHECK(p->in != p->out);  // a second type only where it differs
  // A micro-kernel (and only one) names its accumulator and tile, and is
  // never the reference; __portable is a micro-kernel suffix.
  const bool ukernel = !p->tile.empty();
  CHECK(ukernel == (p->op == "gemm" || p->op == "dwconv3x3" || p->op == "dwconv"));
  if (ukernel) CHECK(p->isa != "ref");
  if (p->isa == "portable") CHECK(ukernel);
  return true;
}

std::string isa_suffix(qrt_isa isa) {
  switch (isa) {
    case QRT_ISA_REF: return "portable";
    case QRT_ISA_NEON: return "neon";
    case QRT_ISA_NEONDOT: return "neondot";
    case QRT_ISA_I8MM: return "neoni8mm";
  }
  return "?";
}

void check_entry(const char* field, const char* name, const std::string& isa) {
  INFO(field << ": " << name);
  Parts p;
  if (!parse(name, &p)) return;
  CHECK(std::string(name) == std::string("qrt_") + field + "__" + p.isa);
  CHECK(p.isa == isa);
}

}  // namespace

TEST_CASE("kernel names: GEMM and depthwise rows follow the grammar", "[dispatch][names]") {
  const qrt_gemm_s8_kernel* rows;
  const size_t count = qrt_gemm_s8_kernels(&rows);
  for (size_t i = 0; i < count; i++) {
    const qrt_gemm_s8_kernel& r = rows[i];
    INFO(r.name);
    Parts p;
    if (!parse(r.name, &p)) continue;
    CHECK(p.op == "gemm");
    CHECK(p.in == "s8");
    CHECK(p.out.empty());  // the epilogue picks the output type
    CHECK(p.isa == isa_suffix(r.isa));
    CHECK(p.acc == (r.accumulator == QRT_ACCUMULATOR_INT16 ? "acc16" : "acc32"));
    CHECK(p.tile == std::to_string(r.ukernel.mr) + "x" + std::to_string(r.ukernel.nr) + "c" +
                        std::to_string(r.ukernel.kr));
  }
  const qrt_dwconv3x3_s8_kernel* dw;
  const size_t dw_count = qrt_dwconv3x3_s8_kernels(&dw);
  for (size_t i = 0; i < dw_count; i++) {
    INFO(dw[i].name);
    Parts p;
    if (!parse(dw[i].name, &p)) continue;
    CHECK(p.op == "dwconv3x3");
    CHECK(p.in == "s8");
    CHECK(p.out.empty());
    CHECK(p.acc == (dw[i].accumulator == QRT_ACCUMULATOR_INT16 ? "acc16" : "acc32"));
    CHECK(dw[i].min_int16_chunk == (dw[i].accumulator == QRT_ACCUMULATOR_INT16 ? 9u : 0u));
    CHECK(p.tile == "c16");
    CHECK(p.isa == isa_suffix(dw[i].isa));
  }
  const qrt_dwconv_s8_kernel* dk;
  const size_t dk_count = qrt_dwconv_s8_kernels(&dk);
  REQUIRE(dk_count == (QRT_KERNELS_HAVE_NEON ? 4u : 2u));
  for (size_t i = 0; i < dk_count; i++) {
    INFO(dk[i].name);
    Parts p;
    if (!parse(dk[i].name, &p)) continue;
    CHECK(p.op == "dwconv");
    CHECK(p.in == "s8");
    CHECK(p.out.empty());
    CHECK(p.acc == (dk[i].accumulator == QRT_ACCUMULATOR_INT16 ? "acc16" : "acc32"));
    CHECK(p.tile == "c16");
    CHECK(p.isa == isa_suffix(dk[i].isa));
  }
}

TEST_CASE("kernel names: op table entries follow the grammar", "[dispatch][names]") {
  const qrt_op_kernels* t;
  const size_t count = qrt_op_kernel_tables(&t);
  for (size_t i = 0; i < count; i++) {
    const std::string isa = t[i].isa == QRT_ISA_REF ? "ref" : isa_suffix(t[i].isa);
    check_entry("quantize_f32_s8", t[i].quantize_f32_s8.name, isa);
    check_entry("dequantize_s8_f32", t[i].dequantize_s8_f32.name, isa);
    check_entry("add_f32", t[i].add_f32.name, isa);
    check_entry("maxpool2d_s8", t[i].maxpool2d_s8.name, isa);
    check_entry("global_avgpool_s8", t[i].global_avgpool_s8.name, isa);
  }
  const qrt_f16_op_kernels* f;
  const size_t f_count = qrt_f16_op_kernel_tables(&f);
  for (size_t i = 0; i < f_count; i++) {
    // The neonfp16 table differs from the neon one only in its Add.
    const std::string table = f[i].name;
    const std::string base = table == "neonfp16" ? "neon" : table;
    check_entry("add_f16", f[i].add_f16.name, table);
    check_entry("quantize_f16_s8", f[i].quantize_f16_s8.name, base);
    check_entry("dequantize_s8_f16", f[i].dequantize_s8_f16.name, base);
    check_entry("convert_f32_f16", f[i].convert_f32_f16.name, base);
    check_entry("convert_f16_f32", f[i].convert_f16_f32.name, base);
  }
}

TEST_CASE("kernel names: the grammar rejects what it should", "[names]") {
  // (Split literals keep these out of `git grep` for kernel names.)
  for (const char* bad :
       {"qrt_gemm_s8_acc32_ukernel_4x8c2_" "_scalar", "qrt_gemm_s8s6_acc16_ukernel_4x8_" "_neon",
        "qrt_conv2d_s8_sat16_" "_ref", "qrt_add_f32_neon", "qrt_add_s8_s8_" "_ref"}) {
    INFO(bad);
    const bool match = std::regex_match(std::string(bad), grammar());
    // The last is a sentence of the regex but not of the grammar
    // (the second type must differ), which parse() checks.
    CHECK(match == (std::string(bad) == std::string("qrt_add_s8_s8_") + "_ref"));
  }
}
