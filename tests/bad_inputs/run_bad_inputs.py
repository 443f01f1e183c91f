#!/usr/bin/env python3
"""Runs the bad-input corpus: every tests/bad_inputs/cases/<area>_<name>/.

A case is one directory:
  cmd     one shell line; @QRT_CONVERT@ @QRT_EVAL@ @QRT_BENCH@ (tool paths),
          @CASE@ (the case's inputs), @TMP@ (a fresh empty directory for
          outputs), @MODELS@ (tests/e2e/data) are substituted
  expect  a Python regex that stderr must contain (re.search)
  exit    optional: the exit status expected (default: any non-zero)
  leaves  optional: file names allowed in @TMP@ afterwards, one per line
          (default: @TMP@ must be empty: no partial output)
  memory_mb  optional: a tighter address-space cap for this command, MiB
          (the case is skipped when --memory-limit-mb is 0, as in
          sanitizer builds)
Inputs too large or binary to commit are written by make_inputs.py into a
copy of the case directory under --work before the case runs.

  run_bad_inputs.py --cases DIR --work DIR --convert EXE --eval EXE [--bench EXE]
                    --models DIR [--make-inputs make_inputs.py] [-k REGEX] [-v]
                    [--memory-limit-mb MB]

Prints each failing case with its command, exit status, stderr and what was
expected; exits 1 if any case failed, 0 otherwise.
"""
import argparse
import os
import re
import shlex
import shutil
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

TIMEOUT_S = 30
SKIP = 77  # ctest's SKIP_RETURN_CODE


def read(path, default=None):
    if not os.path.exists(path):
        return default
    with open(path, encoding="utf-8") as f:
        return f.read()


def leftovers(tmp):
    """Every file or folder under tmp, relative to it."""
    out = []
    for root, dirs, files in os.walk(tmp):
        for name in dirs + files:
            out.append(os.path.relpath(os.path.join(root, name), tmp))
    return sorted(out)


def limit_memory(mb):
    """A preexec_fn capping the child's address space (a runaway reader
    fails fast instead of filling the machine); None when mb is 0."""
    if not mb:
        return None
    import resource

    def apply():
        resource.setrlimit(resource.RLIMIT_AS, (mb << 20, mb << 20))
    return apply


def run_case(name, case_dir, work, tools, memory_mb):
    """Runs one case; returns None when it passes, else a failure report."""
    cmd_text = read(os.path.join(case_dir, "cmd"))
    expect = read(os.path.join(case_dir, "expect"))
    if cmd_text is None or expect is None:
        return f"{name}: needs both 'cmd' and 'expect' files"
    expect = expect.strip("\n")
    exit_text = read(os.path.join(case_dir, "exit"))
    want_exit = int(exit_text.strip()) if exit_text is not None else None
    leaves = read(os.path.join(case_dir, "leaves"), "")
    case_mb = read(os.path.join(case_dir, "memory_mb"))
    if case_mb is not None and memory_mb:  # a tighter cap for this case (none in sanitizer builds)
        memory_mb = min(memory_mb, int(case_mb.strip()))
    allowed = {line.strip() for line in leaves.splitlines() if line.strip()}
    tmp = os.path.join(work, "tmp", name)
    shutil.rmtree(tmp, ignore_errors=True)
    os.makedirs(tmp)
    subs = dict(tools)
    subs["@CASE@"] = shlex.quote(case_dir)
    subs["@TMP@"] = shlex.quote(tmp)
    cmd = cmd_text.strip()
    for key, value in subs.items():
        cmd = cmd.replace(key, value)
    start = time.monotonic()
    try:
        p = subprocess.run(["/bin/sh", "-c", cmd], cwd=tmp, stdin=subprocess.DEVNULL,
                           capture_output=True, timeout=TIMEOUT_S,
                           preexec_fn=limit_memory(memory_mb))
        status, stderr = p.returncode, p.stderr.decode("utf-8", "replace")
    except subprocess.TimeoutExpired as e:
        status = "timeout"
        stderr = (e.stderr or b"").decode("utf-8", "replace")
    seconds = time.monotonic() - start
    problems = []
    if status == "timeout":
        problems.append(f"did not finish within {TIMEOUT_S} s")
    elif want_exit is None and status == 0:
        problems.append("exit status 0, expected non-zero")
    elif want_exit is not None and status != want_exit:
        problems.append(f"exit status {status}, expected {want_exit}")
    if not re.search(expect, stderr):
        problems.append(f"stderr does not match the expected regex: {expect!r}")
    left = [f for f in leftovers(tmp) if f not in allowed]
    if left:
        problems.append("left in @TMP@: " + ", ".join(left) +
                        (f" (allowed: {', '.join(sorted(allowed))})" if allowed else " (must stay empty)"))
    if not problems:
        shutil.rmtree(tmp, ignore_errors=True)
        return None
    return (f"FAIL {name} ({seconds:.1f} s)\n  command: {cmd}\n  exit status: {status}\n"
            + f"  expected: exit {'non-zero' if want_exit is None else want_exit}, stderr matching {expect!r}, "
            + (f"only {', '.join(sorted(allowed))} left in @TMP@\n" if allowed else "nothing left in @TMP@\n")
            + "".join(f"  problem: {p}\n" for p in problems)
            + "  stderr:\n" + "".join(f"    {line}\n" for line in stderr.splitlines()[-40:]))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cases", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--convert", required=True)
    ap.add_argument("--eval", required=True)
    ap.add_argument("--bench", help="qrt-bench (cases that use @QRT_BENCH@ are skipped without it)")
    ap.add_argument("--models", required=True)
    ap.add_argument("--make-inputs")
    ap.add_argument("-k", default="", help="run only the cases whose name matches this regex")
    ap.add_argument("-j", type=int, default=2)
    ap.add_argument("-v", action="store_true", help="list every case run")
    ap.add_argument("--memory-limit-mb", type=int, default=0,
                    help="address-space limit for each command (0: none; sanitizer builds need 0)")
    a = ap.parse_args()

    work = os.path.abspath(a.work)
    shutil.rmtree(work, ignore_errors=True)
    cases_copy = os.path.join(work, "cases")
    # A copy, so generated inputs never land in the source tree.
    shutil.copytree(a.cases, cases_copy)
    if a.make_inputs:
        if subprocess.run([sys.executable, "-c", "import numpy, onnx"], capture_output=True).returncode != 0:
            if os.environ.get("CI") == "true":
                print("run_bad_inputs: numpy and onnx are needed to generate the inputs (CI=true: failing)")
                return 1
            print("run_bad_inputs: skipped: " + sys.executable + " has no numpy/onnx (scripts/setup.sh --with-python)")
            return SKIP
        subprocess.run([sys.executable, a.make_inputs, cases_copy], check=True)
    tools = {"@QRT_CONVERT@": shlex.quote(os.path.abspath(a.convert)),
             "@QRT_EVAL@": shlex.quote(os.path.abspath(a.eval)),
             "@QRT_BENCH@": shlex.quote(os.path.abspath(a.bench or "qrt-bench-not-built")),
             "@MODELS@": shlex.quote(os.path.abspath(a.models))}
    names = sorted(n for n in os.listdir(cases_copy)
                   if os.path.isdir(os.path.join(cases_copy, n)) and re.search(a.k, n))
    if not a.bench:
        skipped = [n for n in names if "@QRT_BENCH@" in (read(os.path.join(cases_copy, n, "cmd")) or "")]
        if skipped:
            print(f"run_bad_inputs: qrt-bench not built, {len(skipped)} cases skipped: " + ", ".join(skipped))
        names = [n for n in names if n not in skipped]
    if a.memory_limit_mb:
        # Sanitizer runtimes reserve terabytes of address space and cannot
        # start under a cap: probe the tools once, and drop the cap if so.
        capped = subprocess.run([os.path.abspath(a.convert), "--help"], capture_output=True,
                                preexec_fn=limit_memory(a.memory_limit_mb))
        if capped.returncode != 0 and \
                subprocess.run([os.path.abspath(a.convert), "--help"], capture_output=True).returncode == 0:
            print(f"run_bad_inputs: the tools do not start under a {a.memory_limit_mb} MiB address-space cap "
                  "(a sanitizer build?): running without one")
            a.memory_limit_mb = 0
    if not a.memory_limit_mb:  # e.g. sanitizer builds: a case that needs a cap cannot run
        capped = [n for n in names if os.path.exists(os.path.join(cases_copy, n, "memory_mb"))]
        if capped:
            print(f"run_bad_inputs: no memory cap, {len(capped)} cases that need one skipped: " + ", ".join(capped))
        names = [n for n in names if n not in capped]
    if not names:
        print("run_bad_inputs: no cases found in " + a.cases)
        return 1
    # Case inputs are read-only for the command.
    for n in names:
        for root, _, files in os.walk(os.path.join(cases_copy, n)):
            for f in files:
                os.chmod(os.path.join(root, f), 0o444)
    with ThreadPoolExecutor(max_workers=max(1, a.j)) as pool:
        results = list(pool.map(lambda n: run_case(n, os.path.join(cases_copy, n), work, tools, a.memory_limit_mb), names))
    failed = [r for r in results if r is not None]
    for n, r in zip(names, results):
        if a.v:
            print(("ok   " if r is None else "FAIL ") + n)
    for r in failed:
        print(r)
    print(f"run_bad_inputs: {len(names) - len(failed)} of {len(names)} cases passed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
