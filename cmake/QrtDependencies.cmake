# Finds qrt's dependencies (Debian packages; scripts/setup.sh installs them).
# Each is looked up only where a part that needs it is built.

# FlatBuffers: the runtime needs only the headers (the verifier and readers
# are header-only); code generation always uses the host's flatc.
find_program(QRT_FLATC flatc REQUIRED)
find_path(QRT_FLATBUFFERS_INCLUDE flatbuffers/flatbuffers.h REQUIRED)
add_library(qrt_flatbuffers_headers INTERFACE)
if(CMAKE_CROSSCOMPILING AND QRT_FLATBUFFERS_INCLUDE STREQUAL "/usr/include")
  # The headers are architecture-independent, but -isystem /usr/include would
  # put every other amd64 header in front of the target's: copy just these.
  file(COPY "${QRT_FLATBUFFERS_INCLUDE}/flatbuffers" DESTINATION "${CMAKE_BINARY_DIR}/flatbuffers-target/include")
  target_include_directories(qrt_flatbuffers_headers SYSTEM INTERFACE "${CMAKE_BINARY_DIR}/flatbuffers-target/include")
else()
  target_include_directories(qrt_flatbuffers_headers SYSTEM INTERFACE ${QRT_FLATBUFFERS_INCLUDE})
endif()
# The loader refuses bytes after the FlatBuffer by the verifier's computed
# size (runtime/src/loader_api.cc). Every target that includes the headers
# gets the same definition, so the verifier's inline functions are the same
# everywhere they are instantiated (one definition rule).
target_compile_definitions(qrt_flatbuffers_headers INTERFACE FLATBUFFERS_TRACK_VERIFIER_BUFFER_SIZE)

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
  if(NOT CMAKE_CROSSCOMPILING)
    find_package(Catch2 2 REQUIRED)
  else()
    # Debian's libCatch2WithMain.a is built for the host only, and adding the
    # host's /usr/include to a cross compile would mix in amd64 headers: copy
    # the single header into the build tree and build the main for the target.
    find_file(QRT_CATCH2_HEADER catch2/catch.hpp PATHS /usr/include NO_CMAKE_FIND_ROOT_PATH REQUIRED)
    set(_catch_dir "${CMAKE_BINARY_DIR}/catch2-target")
    configure_file("${QRT_CATCH2_HEADER}" "${_catch_dir}/include/catch2/catch.hpp" COPYONLY)
    file(WRITE "${_catch_dir}/catch_main.cc" "#define CATCH_CONFIG_MAIN\n#include <catch2/catch.hpp>\n")
    add_library(qrt_catch2_main STATIC "${_catch_dir}/catch_main.cc")
    target_include_directories(qrt_catch2_main SYSTEM PUBLIC "${_catch_dir}/include")
    add_library(Catch2::Catch2WithMain ALIAS qrt_catch2_main)
    add_library(qrt_catch2_headers INTERFACE)
    target_include_directories(qrt_catch2_headers SYSTEM INTERFACE "${_catch_dir}/include")
    add_library(Catch2::Catch2 ALIAS qrt_catch2_headers)
  endif()
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
  find_package(JPEG REQUIRED)   # converter/data decodes JPEG as PIL does
endif()
