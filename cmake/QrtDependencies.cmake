# Finds qrt's dependencies (Debian packages; scripts/setup.sh installs them).
# Each is looked up only where a part that needs it is built.

# FlatBuffers: the runtime needs only the headers (the verifier and readers
# are header-only); code generation always uses the host's flatc.
find_program(QRT_FLATC flatc REQUIRED)
find_path(QRT_FLATBUFFERS_INCLUDE flatbuffers/flatbuffers.h REQUIRED)
add_library(qrt_flatbuffers_headers INTERFACE)
target_include_directories(qrt_flatbuffers_headers SYSTEM INTERFACE ${QRT_FLATBUFFERS_INCLUDE})

# cpuinfo and pthreadpool (Debian's cpuinfo-config.cmake is broken: plain
# find_library instead), and XNNPACK (shared library only, no CMake config).
function(qrt_import_library target header lib)
  find_path(${target}_INCLUDE ${header})
  find_library(${target}_LIBRARY ${lib})
  if(${target}_INCLUDE AND ${target}_LIBRARY)
    add_library(${target} UNKNOWN IMPORTED GLOBAL)
    set_target_properties(${target} PROPERTIES
      IMPORTED_LOCATION "${${target}_LIBRARY}"
      INTERFACE_INCLUDE_DIRECTORIES "${${target}_INCLUDE}")
  endif()
endfunction()
if(NOT QRT_RUNTIME_ONLY)
  qrt_import_library(qrt_cpuinfo cpuinfo.h cpuinfo)
  qrt_import_library(qrt_pthreadpool pthreadpool.h pthreadpool)
  qrt_import_library(qrt_xnnpack xnnpack.h XNNPACK)
  if(TARGET qrt_xnnpack)
    target_link_libraries(qrt_xnnpack INTERFACE qrt_pthreadpool qrt_cpuinfo)
  endif()
endif()

if(QRT_BUILD_TESTS)
  find_package(Catch2 2 REQUIRED)
  include(Catch)
endif()
if(QRT_BUILD_BENCHMARKS)
  find_package(benchmark REQUIRED)
endif()
if(QRT_BUILD_CONVERTER)
  find_package(Protobuf REQUIRED)   # before ONNX: its config expects it
  find_package(ONNX CONFIG REQUIRED)
  find_package(CLI11 CONFIG REQUIRED)
  find_package(nlohmann_json CONFIG REQUIRED)
  find_package(ZLIB REQUIRED)
  find_path(QRT_STB_INCLUDE stb_image.h PATH_SUFFIXES stb REQUIRED)
endif()
