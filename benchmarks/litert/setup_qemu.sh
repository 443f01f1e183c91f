#!/usr/bin/env bash
# An aarch64 Python 3.11 with LiteRT that runs under qemu-aarch64 on the
# x86-64 host, in build/litert-arm64 (ignored). Needs root (apt-get
# download, and py.sh's private mount namespace), Debian's arm64 apt
# sources (scripts/setup.sh adds the architecture) and PyPI.
#
#   benchmarks/litert/setup_qemu.sh
#   QEMU_CPU=cortex-a53 build/litert-arm64/py.sh script.py ...   (or max)
#
# - sysroot/: Debian 12's python3.11-minimal, libpython3.11-stdlib and
#   their libraries for arm64, unpacked with dpkg -x (not installed).
# - site/: the cp311 manylinux aarch64 wheels (ai-edge-litert, numpy, ...),
#   unzipped.
# - cpuinfo.{max,cortex-a53}: qemu 7.2 hands the guest the host's x86
#   /proc/cpuinfo; LiteRT's cpuinfo library then dies with a NULL
#   dereference (SIGSEGV at address 8, right after reading
#   /sys/devices/system/cpu/cpu1/cache/index2/shared_cpu_list) while the
#   Interpreter is created, even with the reference op resolver. py.sh
#   bind-mounts an ARM /proc/cpuinfo in a private mount namespace
#   (unshare -m). ISA features still come from qemu's AT_HWCAP.
# - py.sh: QEMU_CPU picks the file and the CPU, QEMU_CPUOPTS overrides the
#   -cpu string (e.g. max,sme=off), QEMU_EXTRA adds qemu options (-plugin).
set -euo pipefail
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
L=$top/build/litert-arm64
mkdir -p "$L/debs" "$L/wheels" "$L/site"
cd "$L/debs"
apt-get download -q python3.11-minimal:arm64 libpython3.11-minimal:arm64 \
  libpython3.11-stdlib:arm64 zlib1g:arm64 libexpat1:arm64 libffi8:arm64 libssl3:arm64 \
  libbz2-1.0:arm64 liblzma5:arm64 libsqlite3-0:arm64 libuuid1:arm64 libncursesw6:arm64 \
  libtinfo6:arm64 libreadline8:arm64 libcrypt1:arm64 libgcc-s1:arm64 libstdc++6:arm64 \
  libc6:arm64 libdb5.3:arm64 libnsl2:arm64 libtirpc3:arm64
for d in *.deb; do dpkg -x "$d" "$L/sysroot"; done
cd "$L"
/usr/bin/python3 -m pip download -q -d wheels --only-binary=:all: \
  --platform manylinux_2_27_aarch64 --platform manylinux_2_28_aarch64 \
  --platform manylinux2014_aarch64 --platform manylinux_2_17_aarch64 \
  --python-version 3.11 --implementation cp --abi cp311 --abi abi3 --abi none \
  ai-edge-litert==2.3.0 numpy==2.4.6 flatbuffers==25.12.19 ml_dtypes==0.7.0 \
  backports.strenum==1.2.8 tqdm==4.70.1 protobuf typing-extensions
for w in wheels/*.whl; do unzip -q -o "$w" -d site; done

cpuinfo() {  # $1 part number, $2 features
  for i in 0 1; do
    printf 'processor\t: %d\nBogoMIPS\t: 50.00\nFeatures\t: %s\nCPU implementer\t: 0x41\nCPU architecture: 8\nCPU variant\t: 0x0\nCPU part\t: %s\nCPU revision\t: 0\n\n' "$i" "$2" "$1"
  done
}
cpuinfo 0xd03 "fp asimd evtstrm aes pmull sha1 sha2 crc32 cpuid" > cpuinfo.cortex-a53
cpuinfo 0xd0b "fp asimd evtstrm aes pmull sha1 sha2 crc32 atomics fphp asimdhp cpuid asimdrdm lrcpc dcpop asimddp i8mm bf16" > cpuinfo.max

cat > py.sh <<'EOF'
#!/bin/sh
# aarch64 Python 3.11 under qemu-aarch64 (benchmarks/litert/setup_qemu.sh).
S=$(cd "$(dirname "$0")" && pwd)
cpu=${QEMU_CPU:-max}
exec unshare -m sh -c "mount --bind $S/cpuinfo.$cpu /proc/cpuinfo && exec qemu-aarch64 -cpu ${QEMU_CPUOPTS:-$cpu} $QEMU_EXTRA -L $S/sysroot -E PYTHONHASHSEED=0 -E LD_LIBRARY_PATH=$S/sysroot/lib/aarch64-linux-gnu:$S/sysroot/usr/lib/aarch64-linux-gnu -E PYTHONHOME=$S/sysroot/usr -E PYTHONPATH=$S/site $S/sysroot/usr/bin/python3.11 \"\$@\"" py "$@"
EOF
chmod +x py.sh
QEMU_CPU=cortex-a53 ./py.sh -c "from ai_edge_litert.interpreter import Interpreter; import numpy; print('aarch64 LiteRT ok, numpy', numpy.__version__)"
