# QrtAddModel.cmake: qrt_add_model, a build step that converts an ONNX model
# with the host's qrt-convert (shipped in the config package; in the source
# tree, include(QrtAddModel) after the converter is added).
#
#   qrt_add_model(TARGET <name>
#                 ONNX <model.onnx>
#                 [CALIBRATION <format> <path>]   format: images, fashion-mnist,
#                                                 npy, cifar10 (--calib-<format>)
#                 [OPTIONS <qrt-convert flag>...]
#                 [OUTPUT <file.qrt>]             default: <binary dir>/<name>.qrt
#                 [EMBED [SYMBOL <c name>]])
#
# Without EMBED, <name> is a target (built by ALL) that makes the .qrt; its
# property QRT_MODEL_FILE is the path. With EMBED, <name> is a static
# library holding the .qrt bytes as a 64-byte aligned array: link it, then
#     #include "<c name>.h"      // <c name>[] and <c name>_size
#     qrt_model_load_memory(<c name>, <c name>_size, &model, &err);
# (<c name> defaults to <name> with every other character than [A-Za-z0-9_]
# turned into '_').
#
# The conversion reruns only when the ONNX file, a calibration file (every
# file under a calibration folder, found at configure time), the OPTIONS or
# the converter itself change: the command line is kept in a stamp file that
# is rewritten only when it differs.
#
# Which qrt-convert runs, first found:
#   1. QRT_HOST_CONVERTER (cache variable: the path of a host qrt-convert);
#   2. qrt::convert from an installed host package (not when cross-compiling);
#   3. the target qrt-convert in qrt's own source tree (host builds);
#   4. bin/qrt-convert under QRT_HOST_PREFIX (cache variable: a host install
#      of qrt, e.g. the one a cross build's app uses beside its aarch64
#      install), else qrt-convert on the PATH.
include_guard(GLOBAL)

set(QRT_HOST_CONVERTER "" CACHE FILEPATH "A host qrt-convert for qrt_add_model (cross builds)")
set(QRT_HOST_PREFIX "" CACHE PATH "A host install of qrt whose bin/qrt-convert qrt_add_model runs")
set(_QRT_ADD_MODEL_DIR "${CMAKE_CURRENT_LIST_DIR}")

function(_qrt_host_converter out_var)
  if(QRT_HOST_CONVERTER)
    if(NOT EXISTS "${QRT_HOST_CONVERTER}")
      message(FATAL_ERROR "qrt_add_model: QRT_HOST_CONVERTER=${QRT_HOST_CONVERTER} does not exist")
    endif()
    set(${out_var} "${QRT_HOST_CONVERTER}" PARENT_SCOPE)
  elseif(TARGET qrt::convert AND NOT CMAKE_CROSSCOMPILING)
    set(${out_var} "$<TARGET_FILE:qrt::convert>" PARENT_SCOPE)
  elseif(TARGET qrt-convert)
    set(${out_var} "$<TARGET_FILE:qrt-convert>" PARENT_SCOPE)
  else()
    if(QRT_HOST_PREFIX)
      find_program(QRT_HOST_CONVERTER_FOUND qrt-convert PATHS "${QRT_HOST_PREFIX}/bin"
                   NO_DEFAULT_PATH NO_CMAKE_FIND_ROOT_PATH)
    else()
      find_program(QRT_HOST_CONVERTER_FOUND qrt-convert NO_CMAKE_FIND_ROOT_PATH)
    endif()
    if(NOT QRT_HOST_CONVERTER_FOUND)
      message(FATAL_ERROR "qrt_add_model: no host qrt-convert: set QRT_HOST_CONVERTER to its path "
                          "or QRT_HOST_PREFIX to a host install of qrt (docs/integration.md)")
    endif()
    set(${out_var} "${QRT_HOST_CONVERTER_FOUND}" PARENT_SCOPE)
  endif()
endfunction()

function(qrt_add_model)
  cmake_parse_arguments(M "EMBED" "TARGET;ONNX;OUTPUT;SYMBOL" "CALIBRATION;OPTIONS" ${ARGN})
  if(M_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR "qrt_add_model: unknown arguments: ${M_UNPARSED_ARGUMENTS}")
  endif()
  if(NOT M_TARGET OR NOT M_ONNX)
    message(FATAL_ERROR "qrt_add_model: TARGET and ONNX are required")
  endif()
  get_filename_component(onnx "${M_ONNX}" ABSOLUTE)
  if(NOT EXISTS "${onnx}")
    message(FATAL_ERROR "qrt_add_model(${M_TARGET}): ONNX file ${onnx} does not exist")
  endif()
  if(NOT M_OUTPUT)
    set(M_OUTPUT "${CMAKE_CURRENT_BINARY_DIR}/${M_TARGET}.qrt")
  endif()
  get_filename_component(output "${M_OUTPUT}" ABSOLUTE BASE_DIR "${CMAKE_CURRENT_BINARY_DIR}")

  # Calibration: one format and one path; a folder's files are all inputs.
  set(calib_args "")
  set(calib_files "")
  if(M_CALIBRATION)
    list(LENGTH M_CALIBRATION n)
    list(GET M_CALIBRATION 0 format)
    if(NOT n EQUAL 2 OR NOT format MATCHES "^(images|fashion-mnist|npy|cifar10)$")
      message(FATAL_ERROR "qrt_add_model(${M_TARGET}): CALIBRATION wants <format> <path>, "
                          "format one of images, fashion-mnist, npy, cifar10 (got '${M_CALIBRATION}')")
    endif()
    list(GET M_CALIBRATION 1 calib)
    get_filename_component(calib "${calib}" ABSOLUTE)
    if(IS_DIRECTORY "${calib}")
      file(GLOB_RECURSE calib_files CONFIGURE_DEPENDS "${calib}/*")
    elseif(EXISTS "${calib}")
      set(calib_files "${calib}")
    else()
      message(FATAL_ERROR "qrt_add_model(${M_TARGET}): calibration data ${calib} does not exist")
    endif()
    set(calib_args "--calib-${format}" "${calib}")
  endif()

  _qrt_host_converter(converter)
  set(command "${converter}" "${onnx}" -o "${output}" ${calib_args} ${M_OPTIONS})
  # The stamp holds the command line: rewritten (and so newer than the .qrt)
  # only when it changes.
  set(stamp "${CMAKE_CURRENT_BINARY_DIR}/${M_TARGET}.qrt-command")
  string(REPLACE ";" "\n" lines "${command}")
  file(WRITE "${stamp}.new" "${lines}\n")
  configure_file("${stamp}.new" "${stamp}" COPYONLY)
  set(converter_dep "")
  if(NOT converter MATCHES "^\\$<")
    set(converter_dep "${converter}")
  elseif(converter MATCHES "qrt-convert>$")
    set(converter_dep qrt-convert)
  else()
    set(converter_dep "${converter}")  # $<TARGET_FILE:qrt::convert>: a file-level dependency
  endif()
  add_custom_command(OUTPUT "${output}"
    COMMAND ${command}
    DEPENDS "${onnx}" ${calib_files} "${stamp}" ${converter_dep}
    COMMENT "qrt_add_model(${M_TARGET}): qrt-convert ${M_ONNX}"
    VERBATIM)

  if(NOT M_EMBED)
    add_custom_target(${M_TARGET} ALL DEPENDS "${output}")
    set_target_properties(${M_TARGET} PROPERTIES QRT_MODEL_FILE "${output}")
    return()
  endif()
  if(NOT M_SYMBOL)
    string(MAKE_C_IDENTIFIER "${M_TARGET}" M_SYMBOL)
  endif()
  set(gen "${CMAKE_CURRENT_BINARY_DIR}/${M_TARGET}_embed")
  add_custom_command(OUTPUT "${gen}/${M_SYMBOL}.c" "${gen}/${M_SYMBOL}.h"
    COMMAND "${CMAKE_COMMAND}" "-DINPUT=${output}" "-DOUTPUT_DIR=${gen}" "-DSYMBOL=${M_SYMBOL}"
            -P "${_QRT_ADD_MODEL_DIR}/QrtEmbedModel.cmake"
    DEPENDS "${output}" "${_QRT_ADD_MODEL_DIR}/QrtEmbedModel.cmake"
    COMMENT "qrt_add_model(${M_TARGET}): embedding ${output} as ${M_SYMBOL}[]"
    VERBATIM)
  add_library(${M_TARGET} STATIC "${gen}/${M_SYMBOL}.c" "${gen}/${M_SYMBOL}.h")
  set_target_properties(${M_TARGET} PROPERTIES C_STANDARD 11 C_STANDARD_REQUIRED ON
                        QRT_MODEL_FILE "${output}")
  target_include_directories(${M_TARGET} PUBLIC "${gen}")
endfunction()
