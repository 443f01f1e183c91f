/* qemu-user TCG plugin (plugin API v1, qemu 7.2): guest instructions executed
 * per ELF symbol, for whole-model profiles under qemu (benchmarks/qemu/
 * profile_model.sh). Each translated block adds its instruction count to the
 * counter of every symbol its instructions belong to (inline adds, no
 * callbacks), so the per-symbol counts sum to the total. Instructions with no
 * symbol (stripped code, the vDSO) count under "?".
 * Build: gcc -shared -fPIC -O2 symprofile.c -o libsymprofile.so
 * Run:   qemu-aarch64 -plugin ./libsymprofile.so -d plugin -D out.log ./prog
 *        out.log: "insns_total=N" then one "COUNT SYMBOL" line per symbol.
 * Debian ships the plugin loader but no qemu-plugin.h: the few prototypes
 * are declared here. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
typedef uint64_t qemu_plugin_id_t;
struct qemu_plugin_tb;
struct qemu_plugin_insn;
typedef struct qemu_info_t qemu_info_t;
enum qemu_plugin_op { QEMU_PLUGIN_INLINE_ADD_U64 };
#define EXPORT __attribute__((visibility("default")))
typedef void (*tb_trans_cb_t)(qemu_plugin_id_t, struct qemu_plugin_tb*);
typedef void (*udata_cb_t)(qemu_plugin_id_t, void*);
void qemu_plugin_register_vcpu_tb_trans_cb(qemu_plugin_id_t, tb_trans_cb_t);
size_t qemu_plugin_tb_n_insns(const struct qemu_plugin_tb*);
struct qemu_plugin_insn* qemu_plugin_tb_get_insn(const struct qemu_plugin_tb*, size_t);
const char* qemu_plugin_insn_symbol(const struct qemu_plugin_insn*);
void qemu_plugin_register_vcpu_tb_exec_inline(struct qemu_plugin_tb*, enum qemu_plugin_op,
                                              void*, uint64_t);
void qemu_plugin_register_atexit_cb(qemu_plugin_id_t, udata_cb_t, void*);
void qemu_plugin_outs(const char*);
EXPORT int qemu_plugin_version = 1;

enum { kSlots = 1 << 14 };  /* open addressing on the symbol name */
struct slot {
  char* name;
  uint64_t count;
};
static struct slot g_slots[kSlots];
static uint64_t g_total;

static struct slot* lookup(const char* name) {
  if (name == NULL) name = "?";
  uint64_t h = 1469598103934665603ull;
  for (const char* p = name; *p; p++) h = (h ^ (unsigned char)*p) * 1099511628211ull;
  for (size_t i = (size_t)h & (kSlots - 1);; i = (i + 1) & (kSlots - 1)) {
    if (g_slots[i].name == NULL) {
      g_slots[i].name = strdup(name);
      return &g_slots[i];
    }
    if (strcmp(g_slots[i].name, name) == 0) return &g_slots[i];
  }
}

static void tb_trans(qemu_plugin_id_t id, struct qemu_plugin_tb* tb) {
  (void)id;
  const size_t n = qemu_plugin_tb_n_insns(tb);
  qemu_plugin_register_vcpu_tb_exec_inline(tb, QEMU_PLUGIN_INLINE_ADD_U64, &g_total, n);
  size_t i = 0;
  while (i < n) {  /* runs of one symbol inside the block */
    const char* s = qemu_plugin_insn_symbol(qemu_plugin_tb_get_insn(tb, i));
    size_t j = i + 1;
    while (j < n) {
      const char* t = qemu_plugin_insn_symbol(qemu_plugin_tb_get_insn(tb, j));
      if (!(s == t || (s && t && strcmp(s, t) == 0))) break;
      j++;
    }
    qemu_plugin_register_vcpu_tb_exec_inline(tb, QEMU_PLUGIN_INLINE_ADD_U64,
                                             &lookup(s)->count, j - i);
    i = j;
  }
}

static void at_exit(qemu_plugin_id_t id, void* p) {
  (void)id;
  (void)p;
  char buf[1024];
  snprintf(buf, sizeof buf, "insns_total=%llu\n", (unsigned long long)g_total);
  qemu_plugin_outs(buf);
  for (size_t i = 0; i < kSlots; i++) {
    if (g_slots[i].name == NULL || g_slots[i].count == 0) continue;
    snprintf(buf, sizeof buf, "%llu %s\n", (unsigned long long)g_slots[i].count,
             g_slots[i].name);
    qemu_plugin_outs(buf);
  }
}

EXPORT int qemu_plugin_install(qemu_plugin_id_t id, const qemu_info_t* info, int argc,
                               char** argv) {
  (void)info;
  (void)argc;
  (void)argv;
  qemu_plugin_register_vcpu_tb_trans_cb(id, tb_trans);
  qemu_plugin_register_atexit_cb(id, at_exit, NULL);
  return 0;
}
