# SPDX-License-Identifier: MIT
# Installation: both libraries, the headers, the CMake package (targets
# dmabatch::shared, dmabatch::static, and dmabatch::dmabatch, the default)
# and the pkg-config file. Included from the top-level CMakeLists.txt.

# The header's version macros must be the project's.
file(STRINGS ${CMAKE_CURRENT_SOURCE_DIR}/include/dmabatch.h _dmab_ver REGEX "define DMAB_VERSION_STRING")
if(NOT _dmab_ver MATCHES "\"${PROJECT_VERSION}\"")
  message(FATAL_ERROR "include/dmabatch.h says ${_dmab_ver}, the project is ${PROJECT_VERSION}")
endif()

install(TARGETS dmabatch dmabatch_static EXPORT dmabatchTargets
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(FILES include/dmabatch.h DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(DIRECTORY include/dmabatch DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(EXPORT dmabatchTargets NAMESPACE dmabatch:: DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/dmabatch)

include(CMakePackageConfigHelpers)
configure_package_config_file(cmake/dmabatchConfig.cmake.in
  ${CMAKE_CURRENT_BINARY_DIR}/dmabatchConfig.cmake
  INSTALL_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/dmabatch)
# 0.x: a new minor version may change the ABI (docs/ABI.md), so
# find_package(dmabatch 0.2) accepts 0.2.* only.
write_basic_package_version_file(${CMAKE_CURRENT_BINARY_DIR}/dmabatchConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/dmabatchConfig.cmake
  ${CMAKE_CURRENT_BINARY_DIR}/dmabatchConfigVersion.cmake
  DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/dmabatch)

# pkg-config: a shared consumer needs only Libs; --static adds Libs.private.
# The dependencies are named as -l flags, not Requires.private, so that
# neither liburcu-bp.pc nor numa.pc (the -dev packages) is needed.
# The prefix is found from the .pc file's own place (pkg-config's
# ${pcfiledir}), so an install moved with DESTDIR or --prefix still works.
if(IS_ABSOLUTE "${CMAKE_INSTALL_LIBDIR}" OR IS_ABSOLUTE "${CMAKE_INSTALL_INCLUDEDIR}")
  set(DMAB_PC_PREFIX "${CMAKE_INSTALL_PREFIX}")
  set(DMAB_PC_LIBDIR "${CMAKE_INSTALL_FULL_LIBDIR}")
  set(DMAB_PC_INCLUDEDIR "${CMAKE_INSTALL_FULL_INCLUDEDIR}")
else()
  file(RELATIVE_PATH _dmab_up "/p/${CMAKE_INSTALL_LIBDIR}/pkgconfig" "/p")
  string(REGEX REPLACE "/$" "" _dmab_up "${_dmab_up}")
  set(DMAB_PC_PREFIX "\${pcfiledir}/${_dmab_up}")
  set(DMAB_PC_LIBDIR "\${prefix}/${CMAKE_INSTALL_LIBDIR}")
  set(DMAB_PC_INCLUDEDIR "\${prefix}/${CMAKE_INSTALL_INCLUDEDIR}")
endif()
configure_file(cmake/dmabatch.pc.in ${CMAKE_CURRENT_BINARY_DIR}/dmabatch.pc @ONLY)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/dmabatch.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
