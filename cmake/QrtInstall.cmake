# QrtInstall.cmake: what `cmake --install` puts where (docs/integration.md).
#
#   include/qrt/qrt.h, qrt.hpp     the public headers, nothing else
#   lib/libqrt.a                   the runtime with the kernels folded in
#   lib/cmake/qrt/                 the config package: find_package(qrt CONFIG)
#                                  -> qrt::qrt; component `tools` (host builds)
#                                  -> qrt::convert, qrt::eval, qrt::bench;
#                                  qrt_add_model (QrtAddModel.cmake)
#   lib/pkgconfig/qrt.pc           for Makefiles: pkg-config --cflags --libs qrt
#   bin/qrt-convert, qrt-eval, qrt-bench   where they were built
#
# Every path written into the installed files is relative to the installed
# tree (the config package finds its prefix from its own location, qrt.pc
# uses ${pcfiledir}), so the tree may be moved or copied anywhere.
# Included by the top-level CMakeLists.txt after every part is added.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(QRT_INSTALL_CMAKEDIR "${CMAKE_INSTALL_LIBDIR}/cmake/qrt" CACHE STRING
    "Where the config package goes, relative to the install prefix")

install(TARGETS qrt EXPORT qrtTargets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
        PUBLIC_HEADER DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/qrt)
install(EXPORT qrtTargets NAMESPACE qrt:: DESTINATION ${QRT_INSTALL_CMAKEDIR})

# The tools: imported executables qrt::convert, qrt::eval, qrt::bench in
# their own export set, loaded by the `tools` component. XNNPACK, ONNX and
# protobuf are shared libraries of the system the tools were built on.
set(QRT_INSTALLED_TOOLS "")
foreach(_tool convert eval bench)
  if(TARGET qrt-${_tool})
    set_target_properties(qrt-${_tool} PROPERTIES EXPORT_NAME ${_tool})
    install(TARGETS qrt-${_tool} EXPORT qrtToolsTargets RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
    list(APPEND QRT_INSTALLED_TOOLS ${_tool})
  endif()
endforeach()
if(QRT_INSTALLED_TOOLS)
  install(EXPORT qrtToolsTargets NAMESPACE qrt:: DESTINATION ${QRT_INSTALL_CMAKEDIR})
endif()

# What libqrt.a needs at link time besides itself, for the config file and
# qrt.pc: libm and pthreads always, cpuinfo where the kernels detect the CPU
# with it (aarch64 builds that found it; never QRT_RUNTIME_ONLY).
get_target_property(_qrt_links qrt INTERFACE_LINK_LIBRARIES)
set(QRT_WITH_CPUINFO OFF)
if("$<INSTALL_INTERFACE:qrt::cpuinfo>" IN_LIST _qrt_links)
  set(QRT_WITH_CPUINFO ON)
endif()
set(QRT_PC_LIBS "-lqrt")
if(QRT_WITH_CPUINFO)
  string(APPEND QRT_PC_LIBS " -lcpuinfo")
endif()
# libqrt.a is C++ inside (no exceptions, no RTTI): a C program links the
# C++ runtime. pkg-config users get GCC's; CMake users get the one of the
# compiler the project enabled CXX with.
string(APPEND QRT_PC_LIBS " -lstdc++ -lm -lpthread")

configure_package_config_file(
  "${CMAKE_CURRENT_LIST_DIR}/qrtConfig.cmake.in" "${CMAKE_CURRENT_BINARY_DIR}/qrtConfig.cmake"
  INSTALL_DESTINATION "${QRT_INSTALL_CMAKEDIR}")
# 0.x: a minor version may change the API, so only the same minor matches.
write_basic_package_version_file("${CMAKE_CURRENT_BINARY_DIR}/qrtConfigVersion.cmake"
  VERSION ${PROJECT_VERSION} COMPATIBILITY SameMinorVersion)
install(FILES "${CMAKE_CURRENT_BINARY_DIR}/qrtConfig.cmake"
              "${CMAKE_CURRENT_BINARY_DIR}/qrtConfigVersion.cmake"
              "${CMAKE_CURRENT_LIST_DIR}/QrtAddModel.cmake"
              "${CMAKE_CURRENT_LIST_DIR}/QrtEmbedModel.cmake"
        DESTINATION "${QRT_INSTALL_CMAKEDIR}")

# qrt.pc's prefix, relative to the folder it is installed in (lib/pkgconfig,
# or lib/<multiarch>/pkgconfig under /usr on Debian).
file(RELATIVE_PATH QRT_PC_PREFIX_FROM_PCFILEDIR "/p/${CMAKE_INSTALL_LIBDIR}/pkgconfig" "/p")
string(REGEX REPLACE "/$" "" QRT_PC_PREFIX_FROM_PCFILEDIR "${QRT_PC_PREFIX_FROM_PCFILEDIR}")
configure_file("${CMAKE_CURRENT_LIST_DIR}/qrt.pc.in" "${CMAKE_CURRENT_BINARY_DIR}/qrt.pc" @ONLY)
install(FILES "${CMAKE_CURRENT_BINARY_DIR}/qrt.pc" DESTINATION "${CMAKE_INSTALL_LIBDIR}/pkgconfig")
