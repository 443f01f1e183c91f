#!/usr/bin/env python3
"""llvm-mca cycles per inner-loop iteration of the GEMM micro-kernels.

Compiles each kernel file to assembly with the cross GCC (the flags of
kernels/CMakeLists.txt), cuts the kernel's main loop (the loop whose body has
the most multiply instructions: SMLAL/SMULL/SDOT/SMMLA), deletes the
directives (LLVM 14 misreads GCC's `.arch armv8.2-a+crc+dotprod` line) and
runs llvm-mca on it for each CPU model. Prints a Markdown table:
cycles per iteration (llvm-mca's Total Cycles / Iterations), MACs per
iteration, cycles per MAC, instructions per iteration.

  benchmarks/kernel_mca.py                    # cortex-a53 and cortex-a55
  benchmarks/kernel_mca.py --mcpu cortex-a710 --mcpu neoverse-n2 --kernel 4x8c  # SDOT vs SMMLA
  benchmarks/kernel_mca.py --mcpu cortex-a55 --show qrt_gemm_s8_acc16_ukernel_4x4c16__neon

Static models (in-order A53 / A55 pipelines, no caches): compare kernels
with each other, not with a phone's clock (docs/performance.md).
"""
import argparse
import os
import re
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# kernel symbol, source file, extra flags, MACs per main-loop iteration
KERNELS = [
    ("qrt_gemm_s8_acc16_ukernel_4x4c16__neon", "kernels/neon/gemm_4x4c16_neon.c",
     ["-march=armv8-a", "-fno-schedule-insns"], 4 * 4 * 16),
    ("qrt_gemm_s8_acc32_ukernel_4x4c16__neon", "kernels/neon/gemm_4x4c16_neon.c",
     ["-march=armv8-a", "-fno-schedule-insns"], 4 * 4 * 16),
    ("qrt_gemm_s8_acc16_ukernel_4x8c2__neon", "kernels/neon/gemm_4x8c2_neon.c",
     ["-march=armv8-a"], 4 * 8 * 8),
    ("qrt_gemm_s8_acc32_ukernel_4x8c2__neon", "kernels/neon/gemm_4x8c2_neon.c",
     ["-march=armv8-a"], 4 * 8 * 8),
    ("qrt_gemm_s8_acc16_ukernel_4x16c1__neon", "kernels/neon/gemm_4x16c1_neon.c",
     ["-march=armv8-a"], 4 * 16 * 8),
    ("qrt_gemm_s8_acc32_ukernel_4x16c1__neon", "kernels/neon/gemm_4x16c1_neon.c",
     ["-march=armv8-a"], 4 * 16 * 8),
    ("qrt_gemm_s8_acc32_ukernel_4x16c4__neondot", "kernels/neon/gemm_4x16c4_neondot.c",
     ["-march=armv8.2-a+dotprod", "-fno-schedule-insns"], 4 * 16 * 16),
    ("qrt_gemm_s8_acc32_ukernel_4x8c4__neondot", "kernels/neon/gemm_4x8c4_neondot.c",
     ["-march=armv8.2-a+dotprod"], 4 * 8 * 16),
    ("qrt_gemm_s8_acc32_ukernel_4x8c8__neoni8mm", "kernels/neon/gemm_4x8c8_neoni8mm.c",
     ["-march=armv8.6-a+i8mm"], 4 * 8 * 8),
]
# CPUs whose LLVM 14 model has no SDOT / SMMLA: those rows print "n/a"
# (Cortex-A53 lacks both, but LLVM assembles SDOT for it with a meaningless
# latency, kept as in earlier tables; SMMLA it rejects).
NO_I8MM = {"cortex-a53", "cortex-a55", "cortex-a76", "neoverse-n1"}
MUL = re.compile(r"^\s+(smlal2?|smull2?|mla|mul|sdot|smmla)\b")


def function_body(asm, symbol):
    lines = asm.splitlines()
    start = lines.index(symbol + ":")
    end = next(i for i in range(start, len(lines)) if lines[i].startswith("\t.size\t" + symbol))
    return lines[start:end]


BRANCH = re.compile(r"^\s+(?:b(?:\.?(?:eq|ne|cs|hs|cc|lo|mi|pl|vs|vc|hi|ls|ge|lt|gt|le|al))?|cbn?z\s+\w+,|tbn?z\s+\w+,\s*#?\w+,)\s*(\.L\w+)$")


def main_loop(body):
    """The innermost loop (from a label to the first branch back to it, with
    no backward branch inside: no inner loop) with the most multiplies."""
    best = None
    for i, line in enumerate(body):
        m = re.match(r"^(\.L\w+):", line)
        if not m:
            continue
        label, seen, inner = m.group(1), {m.group(1)}, False
        for j in range(i + 1, len(body)):
            lm = re.match(r"^(\.L\w+):", body[j])
            if lm:
                seen.add(lm.group(1))
                continue
            bm = BRANCH.match(body[j])
            if not bm:
                continue
            if bm.group(1) == label:
                loop = [l for l in body[i + 1:j + 1]
                        if l.startswith("\t") and not l.startswith("\t.")]
                muls = sum(1 for l in loop if MUL.match(l))
                if not inner and (best is None or muls > best[0]):
                    best = (muls, loop)
                break
            if bm.group(1) in seen:
                inner = True  # a backward branch: this region holds a loop
    return best[1] if best else []


def compile_asm(src, flags):
    out = subprocess.run(
        ["aarch64-linux-gnu-gcc", "-O3", "-ffp-contract=off", *flags,
         "-I", os.path.join(ROOT, "kernels/include"), "-S", "-o", "-", os.path.join(ROOT, src)],
        check=True, capture_output=True, text=True)
    return out.stdout


def mca(loop, mcpu, iterations=100):
    with tempfile.NamedTemporaryFile("w", suffix=".s", delete=False) as f:
        f.write("\n".join(loop) + "\n")
        path = f.name
    try:
        out = subprocess.run(["llvm-mca", "-mtriple=aarch64", "-mcpu=" + mcpu,
                              "-iterations=%d" % iterations, path],
                             check=True, capture_output=True, text=True).stdout
    finally:
        os.unlink(path)
    cycles = int(re.search(r"Total Cycles:\s+(\d+)", out).group(1))
    return cycles / iterations, out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--mcpu", action="append", help="llvm-mca CPU (default cortex-a53, cortex-a55)")
    ap.add_argument("--show", help="print the cut loop and llvm-mca's report for this kernel")
    ap.add_argument("--kernel", help="only kernels whose name contains this string")
    args = ap.parse_args()
    cpus = args.mcpu or ["cortex-a53", "cortex-a55"]
    print("| kernel | mcpu | insns / iter | MACs / iter | cycles / iter | cycles / MAC |")
    print("|---|---|---|---|---|---|")
    cache = {}
    for symbol, src, flags, macs in KERNELS:
        if args.kernel and args.kernel not in symbol:
            continue
        key = (src, tuple(flags))
        if key not in cache:
            cache[key] = compile_asm(src, flags)
        loop = main_loop(function_body(cache[key], symbol))
        if not loop:
            print("no loop found in " + symbol, file=sys.stderr)
            return 1
        for cpu in cpus:
            if "smmla" in "\n".join(loop) and cpu in NO_I8MM:
                print("| %s | %s | %d | %d | n/a | n/a |" % (symbol, cpu, len(loop), macs))
                continue
            cycles, report = mca(loop, cpu)
            print("| %s | %s | %d | %d | %.2f | %.3f |" % (symbol, cpu, len(loop), macs, cycles,
                                                          cycles / macs))
            if args.show == symbol:
                print("\n".join(loop), file=sys.stderr)
                print(report, file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
