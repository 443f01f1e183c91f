# Sanitizer and fuzzing builds (docs/reliability.md). Included by the
# top-level CMakeLists.txt after the options QRT_SANITIZE, QRT_HOST_CLONES
# and QRT_FUZZ are declared; applies its flags to every target of the build.
#
#   -DQRT_SANITIZE=address,undefined   ASan + UBSan; a UBSan finding aborts
#                                      (-fno-sanitize-recover), so the test
#                                      that hit it fails
#   -DQRT_SANITIZE=thread              TSan; forces QRT_HOST_CLONES off
#   -DQRT_HOST_CLONES=OFF              no GCC target_clones (AVX2 clone of
#                                      the portable GEMM) anywhere
#   -DQRT_FUZZ=ON                      clang only: every object gets
#                                      -fsanitize=fuzzer-no-link and fuzz/
#                                      builds the libFuzzer binaries
#
# Why the clones go off under TSan: target_clones makes an ifunc, and the
# dynamic loader runs its resolver before TSan's runtime is initialised; an
# instrumented resolver then crashes before main.

if(QRT_SANITIZE)
  string(REPLACE "," ";" _qrt_sanitizers "${QRT_SANITIZE}")
  foreach(s IN LISTS _qrt_sanitizers)
    if(NOT s MATCHES "^(address|undefined|thread|leak)$")
      message(FATAL_ERROR "QRT_SANITIZE: '${s}' is not one of address, undefined, thread, leak")
    endif()
  endforeach()
  if("thread" IN_LIST _qrt_sanitizers AND "address" IN_LIST _qrt_sanitizers)
    message(FATAL_ERROR "QRT_SANITIZE: thread and address cannot be combined")
  endif()
  string(REPLACE ";" "," _qrt_sanitize_flag "${_qrt_sanitizers}")
  set(_qrt_san_options -fsanitize=${_qrt_sanitize_flag} -fno-omit-frame-pointer -g)
  if("undefined" IN_LIST _qrt_sanitizers)
    # Every UBSan check is fatal: a finding fails its test instead of
    # printing a line nobody reads.
    list(APPEND _qrt_san_options -fno-sanitize-recover=all)
  endif()
  add_compile_options(${_qrt_san_options})
  add_link_options(-fsanitize=${_qrt_sanitize_flag})
  if("thread" IN_LIST _qrt_sanitizers AND QRT_HOST_CLONES)
    message(STATUS "QRT_SANITIZE=thread: QRT_HOST_CLONES forced OFF (ifunc resolvers run before TSan starts)")
    set(QRT_HOST_CLONES OFF CACHE BOOL "GCC target_clones (AVX2 clone) in the portable GEMM on x86-64 hosts" FORCE)
  endif()
  message(STATUS "qrt: sanitizers ${_qrt_sanitize_flag}")
endif()

if(NOT QRT_HOST_CLONES)
  add_compile_definitions(QRT_NO_HOST_CLONES)
endif()

if(QRT_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID MATCHES "Clang" OR NOT CMAKE_C_COMPILER_ID MATCHES "Clang")
    message(FATAL_ERROR "QRT_FUZZ needs clang (libFuzzer): -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++")
  endif()
  # Coverage instrumentation everywhere; only the fuzz binaries link
  # libFuzzer's main (-fsanitize=fuzzer, fuzz/CMakeLists.txt).
  add_compile_options(-fsanitize=fuzzer-no-link)
endif()
