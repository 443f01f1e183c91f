"""ctest entry point for the qrt_train tests (tests/training/CMakeLists.txt):
runs every test_*.py here with unittest. When Python lacks torch, onnx,
numpy or flatbuffers (or flatc is missing) the tests are skipped (exit 77),
and fail under CI=true (scripts/setup.sh installs them there)."""

import importlib
import os
import shutil
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))

missing = []
for mod in ("numpy", "torch", "onnx", "flatbuffers"):
    try:
        importlib.import_module(mod)
    except ImportError:
        missing.append(mod)
if shutil.which("flatc") is None:
    missing.append("flatc")
if missing:
    print(f"qrt_train tests: {sys.executable} lacks {', '.join(missing)} "
          "(Debian: python3-torch python3-onnx python3-numpy python3-flatbuffers flatbuffers-compiler)")
    sys.exit(1 if os.environ.get("CI") == "true" else 77)

sys.path.insert(0, HERE)
suite = unittest.defaultTestLoader.discover(HERE, pattern="test_*.py", top_level_dir=HERE)
result = unittest.TextTestRunner(verbosity=2).run(suite)
sys.exit(0 if result.wasSuccessful() else 1)
