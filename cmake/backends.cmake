# SPDX-License-Identifier: MIT
# The processor -> backend mapping, once, for the library, the tests and the
# bench. Included from the top CMakeLists.txt; sets:
#   DMAB_CPU_BACKEND      the CPU's own backend (arch/<it>/: <it>.c and
#                         insn.h), or empty where there is none (only the
#                         portable ones are built then)
#   DMAB_BACKENDS         every backend built, best first: the runtime probe
#                         picks among them, DMAB_ARCH overrides
#   DMAB_BACKEND_SOURCES  their sources (the sim backend's model, sim/, is
#                         the library's own source list)
#   DMAB_BACKEND_LIST_C   the generated file listing them (dmab__arch_list)
#
# A new CPU backend: arch/<cpu>/<cpu>.c (the ops table dmab__arch_<cpu>)
# and arch/<cpu>/insn.h, and one elseif line below.
set(DMAB_CPU_BACKEND "")
if(CMAKE_SYSTEM_PROCESSOR MATCHES "^(x86_64|AMD64|amd64)$")
  set(DMAB_CPU_BACKEND x86_64)
elseif(CMAKE_SYSTEM_PROCESSOR MATCHES "^(aarch64|arm64|ARM64)$")
  set(DMAB_CPU_BACKEND aarch64)
elseif(CMAKE_SYSTEM_PROCESSOR MATCHES "^riscv64$")
  set(DMAB_CPU_BACKEND riscv64)
endif()

set(DMAB_BACKENDS ${DMAB_CPU_BACKEND} generic trace sim)
set(DMAB_BACKEND_DECLS "")
set(DMAB_BACKEND_LIST "")
set(DMAB_BACKEND_SOURCES "")
foreach(b IN LISTS DMAB_BACKENDS)
  string(APPEND DMAB_BACKEND_DECLS "extern const struct dmab_arch_ops dmab__arch_${b};\n")
  string(APPEND DMAB_BACKEND_LIST "\t&dmab__arch_${b},\n")
  file(GLOB _src CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/arch/${b}/*.c)
  list(APPEND DMAB_BACKEND_SOURCES ${_src})
endforeach()
set(DMAB_BACKEND_LIST_C ${PROJECT_BINARY_DIR}/backends.c)
configure_file(${CMAKE_CURRENT_LIST_DIR}/backends.c.in ${DMAB_BACKEND_LIST_C} @ONLY)
message(STATUS "libdmabatch backends: ${DMAB_BACKENDS}")
